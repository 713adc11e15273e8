package io.github.sparksnn.ml.util;

import io.github.sparksnn.ml.PoissonEncoder;
import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading checks the saved class name before any class is loaded or constructed. */
class DefaultReadersTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(1);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    /** A saved-stage folder whose metadata (one JSON line, as Spark writes it) names {@code className}. */
    static Path savedStage(String className) throws Exception {
        Path dir = SparkTestSupport.tempDir("stage");
        Files.createDirectories(dir.resolve("metadata"));
        Files.writeString(dir.resolve("metadata").resolve("part-00000"), "{\"class\":\"" + className
                + "\",\"timestamp\":1,\"sparkVersion\":\"4.0.1\",\"uid\":\"evil_1\",\"paramMap\":{},"
                + "\"defaultParamMap\":{}}\n");
        Files.writeString(dir.resolve("metadata").resolve("_SUCCESS"), "");
        return dir;
    }

    @Test
    void aStageNamingAnotherClassIsRefusedBeforeThatClassIsLoaded() throws Exception {
        Path dir = savedStage(MarkerStage.class.getName());
        Path marker = dir.resolve("marker");
        System.setProperty(MarkerStage.MARKER, marker.toString());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpikingNetworkClassifier.load(dir.toString()));
            assertTrue(e.getMessage().contains(MarkerStage.class.getName())
                    && e.getMessage().contains(SpikingNetworkClassifier.class.getName()), e.getMessage());
            assertFalse(Files.exists(marker), "the saved stage's class ran code while loading");
            // the marker works: constructing the named class, as Spark's DefaultParamsReader does, writes it
            new MarkerStage("evil_1");
            assertTrue(Files.exists(marker));
        } finally {
            System.clearProperty(MarkerStage.MARKER);
        }
    }

    @Test
    void aRealStageOfAnotherClassIsRefusedNamingBoth() throws Exception {
        Path dir = SparkTestSupport.tempDir("poisson");
        new PoissonEncoder().setTimeSteps(4).write().overwrite().save(dir.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpikingNetworkClassifier.load(dir.toString()));
        assertTrue(e.getMessage().contains(PoissonEncoder.class.getName())
                && e.getMessage().contains(SpikingNetworkClassifier.class.getName()), e.getMessage());
    }

    @Test
    void theExpectedClassLoadsWithItsParams() throws Exception {
        Path dir = SparkTestSupport.tempDir("classifier");
        SpikingNetworkClassifier c = new SpikingNetworkClassifier().setEpochs(3).setResume(true)
                .setCheckpointDir("/some/where");
        c.write().overwrite().save(dir.toString());
        SpikingNetworkClassifier back = SpikingNetworkClassifier.load(dir.toString());
        assertEquals(c.uid(), back.uid());
        assertEquals(3, back.getEpochs());
        assertTrue(back.getResume());
        assertEquals("/some/where", back.getCheckpointDir());
    }

    @Test
    void metadataWithoutAClassNameOrTooLargeIsRefused() throws Exception {
        Path noName = savedStage("x");
        Files.writeString(noName.resolve("metadata").resolve("part-00000"), "{\"uid\":\"x\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpikingNetworkClassifier.load(noName.toString()));
        assertTrue(e.getMessage().contains("names no class"), e.getMessage());

        Path big = SparkTestSupport.tempDir("big");
        Files.createDirectories(big.resolve("metadata"));
        Files.write(big.resolve("metadata").resolve("part-00000"), new byte[DefaultReaders.MAX_METADATA_BYTES + 1]);
        e = assertThrows(IllegalArgumentException.class, () -> SpikingNetworkClassifier.load(big.toString()));
        assertTrue(e.getMessage().contains("exceeds " + DefaultReaders.MAX_METADATA_BYTES), e.getMessage());

        Path none = SparkTestSupport.tempDir("none");
        e = assertThrows(IllegalArgumentException.class, () -> SpikingNetworkClassifier.load(none.toString()));
        assertTrue(e.getMessage().contains("no metadata"), e.getMessage());
    }
}
