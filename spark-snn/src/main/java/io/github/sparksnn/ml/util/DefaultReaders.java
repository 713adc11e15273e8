package io.github.sparksnn.ml.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Spark's {@code DefaultParamsReadable} for Java stages, whose static {@code read()}/{@code load(path)} cannot be
 * inherited from a Scala companion object. A stage with only simple Params (no data besides its metadata JSON)
 * writes itself by implementing {@code DefaultParamsWritable} and reads itself with:
 * <pre>{@code
 * public static MLReader<MyStage> read() { return DefaultReaders.of(MyStage.class); }
 * public static MyStage load(String path) { return read().load(path); }
 * }</pre>
 * The stage needs a public constructor taking its uid.
 *
 * <p>A saved stage is a directory someone may hand over, so the reader checks before it creates anything: it reads
 * the metadata JSON itself (at most {@value #MAX_METADATA_BYTES} bytes), and only when the class it names is
 * exactly the expected class does it call that class's uid constructor and set the Params. Spark's
 * {@code DefaultParamsReader.load} would load, initialize and construct whatever class the file names first (a
 * static initializer or String constructor of any class on the classpath) and check the type afterwards. A directory
 * that holds a different stage fails with an {@link IllegalArgumentException} naming both classes.
 */
public final class DefaultReaders {
    /** Bound on the metadata JSON: Params only (weights live in {@code data/}), so a few KB in practice. */
    static final int MAX_METADATA_BYTES = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private DefaultReaders() {
    }

    /** A reader of stages of {@code type} saved with {@code DefaultParamsWritable}. */
    public static <T> MLReader<T> of(Class<T> type) {
        if (!Params.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(type.getName() + " is not a Spark ML Params stage");
        }
        return new TypedReader<>(type);
    }

    /** Checks the saved class name, then constructs {@code type} and sets the saved Params on it. */
    private static final class TypedReader<T> extends MLReader<T> {
        private final Class<T> type;

        TypedReader(Class<T> type) {
            this.type = type;
        }

        @Override
        public T load(String path) {
            String json = metadataJson(path);
            JsonNode className;
            try {
                className = JSON.readTree(json).get("class"); // Spark's key for Metadata.className
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("the metadata of the stage saved at " + path
                        + " is not valid JSON: " + e.getOriginalMessage());
            }
            if (className == null || !className.isTextual()) {
                throw new IllegalArgumentException("the metadata of the stage saved at " + path
                        + " names no class");
            }
            if (!className.textValue().equals(type.getName())) {
                throw new IllegalArgumentException("the stage saved at " + path + " is a " + className.textValue()
                        + ", not a " + type.getName() + " (nothing was loaded)");
            }
            // Spark's own parsing and Param setting (version handling, defaults), with the class already checked.
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.parseMetadata(json, type.getName());
            T stage;
            try {
                stage = type.getConstructor(String.class).newInstance(metadata.uid());
            } catch (InvocationTargetException e) {
                throw new IllegalArgumentException("cannot create " + type.getName() + " with uid "
                        + metadata.uid() + " saved at " + path + ": " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type.getName() + " has no public constructor taking its uid", e);
            }
            metadata.getAndSetParams((Params) stage, scala.Option.empty());
            return stage;
        }

        /**
         * The metadata line as Spark wrote it: one JSON line in the text files under {@code path/metadata} (part
         * files in name order; {@code _SUCCESS} and hidden files skipped), read through the session's Hadoop
         * configuration and bounded in size.
         */
        private String metadataJson(String path) {
            Path dir = new Path(path, "metadata");
            try {
                FileSystem fs = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                if (!fs.exists(dir)) {
                    throw new IllegalArgumentException("no saved stage at " + path + " (it has no metadata "
                            + "directory)");
                }
                FileStatus[] files = fs.listStatus(dir, p -> !p.getName().startsWith("_")
                        && !p.getName().startsWith("."));
                Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
                long total = 0;
                for (FileStatus f : files) {
                    if (!f.isFile()) {
                        continue;
                    }
                    total += f.getLen();
                    if (total > MAX_METADATA_BYTES) {
                        throw new IllegalArgumentException("the metadata of the stage saved at " + path
                                + " exceeds " + MAX_METADATA_BYTES + " bytes; it holds Params only, so this is "
                                + "not a saved stage");
                    }
                    String line = firstLine(fs, f);
                    if (!line.isBlank()) {
                        return line;
                    }
                }
                throw new IllegalArgumentException("the metadata of the stage saved at " + path + " is empty");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the metadata of the stage saved at " + path + ": "
                        + e.getMessage(), e);
            }
        }

        private static String firstLine(FileSystem fs, FileStatus f) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (FSDataInputStream in = fs.open(f.getPath())) {
                byte[] buf = new byte[8192];
                long left = f.getLen(); // bounded by the caller's total
                int n;
                while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                    left -= n;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            line.write(buf, 0, i);
                            return line.toString(StandardCharsets.UTF_8);
                        }
                    }
                    line.write(buf, 0, n);
                }
            }
            return line.toString(StandardCharsets.UTF_8);
        }
    }
}
