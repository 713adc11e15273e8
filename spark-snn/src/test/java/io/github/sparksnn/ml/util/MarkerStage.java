package io.github.sparksnn.ml.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A class a hostile saved stage could name: loading it writes a marker file (in its static initializer) and so
 * does its uid constructor, the one Spark's {@code DefaultParamsReader} calls. Not a Params stage at all.
 */
public final class MarkerStage {
    /** System property holding the marker file's path. */
    public static final String MARKER = "sparksnn.test.marker";

    static {
        mark("static initializer");
    }

    public MarkerStage(String uid) {
        mark("constructor(" + uid + ")");
    }

    private static void mark(String where) {
        String path = System.getProperty(MARKER);
        if (path != null) {
            try {
                Files.writeString(Path.of(path), "MarkerStage code ran: " + where + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
