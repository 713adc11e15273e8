package io.github.sparksnn.ml.util;

import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.MLReader;

/**
 * Spark's {@code DefaultParamsReadable} for Java stages, whose static {@code read()}/{@code load(path)} cannot be
 * inherited from a Scala companion object. A stage with only simple Params (no data besides its metadata JSON)
 * writes itself by implementing {@code DefaultParamsWritable} and reads itself with:
 * <pre>{@code
 * public static MLReader<MyStage> read() { return DefaultReaders.of(MyStage.class); }
 * public static MyStage load(String path) { return read().load(path); }
 * }</pre>
 * The stage needs a public constructor taking its uid. Loading a directory that holds a different stage fails
 * with an {@link IllegalArgumentException} naming both classes (Spark's reader would leave a bare
 * {@code ClassCastException} at the caller).
 */
public final class DefaultReaders {
    private DefaultReaders() {
    }

    /** A reader of stages of {@code type} saved with {@code DefaultParamsWritable}. */
    public static <T> MLReader<T> of(Class<T> type) {
        return new TypedReader<>(type);
    }

    /** Delegates to Spark's default reader, then checks the class of what it loaded. */
    private static final class TypedReader<T> extends MLReader<T> {
        private final Class<T> type;

        TypedReader(Class<T> type) {
            this.type = type;
        }

        @Override
        public T load(String path) {
            DefaultParamsReadable<Object> readable = new DefaultParamsReadable<>() {
            };
            MLReader<Object> reader = readable.read();
            // Carry over the session chosen with reader.session(...), if any (MLReader.session is public).
            reader.session(sparkSession());
            Object loaded = reader.load(path);
            if (!type.isInstance(loaded)) {
                throw new IllegalArgumentException("the stage saved at " + path + " is a "
                        + loaded.getClass().getName() + ", not a " + type.getName());
            }
            return type.cast(loaded);
        }
    }
}
