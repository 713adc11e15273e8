package io.github.sparksnn.cli;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Spark's task-failure wrapper becomes one line naming the task's own error. */
class OneLineErrorsTest {
    static final String MESSAGE = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times, most recent"
            + " failure: Lost task 0.3 in stage 1.0 (TID 7) (10.0.0.1 executor 1): java.io.EOFException: Unexpected"
            + " end of ZLIB input stream\n\tat java.base/java.util.zip.InflaterInputStream.fill(InflaterInputStream.java:244)"
            + "\n\tat io.github.sparksnn.data.IdxReader.read(IdxReader.java:88)\n\nDriver stacktrace:";

    @Test
    void theTasksExceptionWhenSparkAttachedIt() {
        Exception cause = new IllegalArgumentException("truncated IDX file /d/train-images-idx3-ubyte.gz: expected 10 "
                + "bytes", new java.io.EOFException("Unexpected end of ZLIB input stream"));
        String line = OneLineErrors.oneLine(new SparkException(MESSAGE, cause));
        assertEquals("a Spark task failed (Task 0 in stage 1.0 failed 4 times): IllegalArgumentException: truncated IDX "
                + "file /d/train-images-idx3-ubyte.gz: expected 10 bytes (caused by EOFException: Unexpected end of ZLIB "
                + "input stream)", line);
    }

    @Test
    void theQuotedLineWhenTheExceptionCouldNotBeSentBack() {
        String line = OneLineErrors.oneLine(new RuntimeException("wrapped", new SparkException(MESSAGE, null)));
        assertEquals("a Spark task failed (Task 0 in stage 1.0 failed 4 times): EOFException: Unexpected end of ZLIB "
                + "input stream", line);
    }

    @Test
    void otherErrorsAreLeftAlone() {
        assertNull(OneLineErrors.sparkTaskFailure(new IllegalStateException("x")));
        assertEquals("no such file: /x", OneLineErrors.oneLine(new java.nio.file.NoSuchFileException("/x")));
    }
}
