package io.github.sparksnn.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What local-cluster executors get when the driver runs from Maven jars (the cluster run is ClusterSubmitTest's). */
class SparkLaunchTest {

    @Test
    void withoutASparkHomeTheLauncherIsToldToUseTheClasspath() {
        Map<String, String> c = SparkLaunch.localClusterSettings(null);
        assertEquals(System.getProperty("java.class.path"), c.get("spark.executor.extraClassPath"));
        assertEquals("2.13", c.get("spark.executorEnv.SPARK_SCALA_VERSION"));
        assertEquals("1", c.get("spark.executorEnv.SPARK_TESTING"));
        assertTrue(c.get("spark.executor.extraJavaOptions").contains("--add-opens=java.base/java.lang="),
                c.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void aSparkHomeWithJarsNeedsNoTestingFlagAndUserSettingsWin() throws Exception {
        Path home = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "spark-home");
        Files.createDirectories(home.resolve("jars"));
        System.setProperty("spark.executor.extraClassPath", "/mine");
        try {
            Map<String, String> c = SparkLaunch.localClusterSettings(home.toString());
            assertFalse(c.containsKey("spark.executorEnv.SPARK_TESTING"), c.toString());
            assertFalse(c.containsKey("spark.executor.extraClassPath"), "the user's value stays: " + c);
        } finally {
            System.clearProperty("spark.executor.extraClassPath");
        }
    }

    @Test
    void localFilesGoThroughTheForklessFileSystemUnlessTheUserChoseOne() {
        assertEquals(Map.of("spark.hadoop.fs.file.impl", io.github.sparksnn.ml.util.NioLocalFileSystem.class.getName()),
                SparkLaunch.localFileSettings());
        System.setProperty("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.LocalFileSystem");
        try {
            assertTrue(SparkLaunch.localFileSettings().isEmpty());
        } finally {
            System.clearProperty("spark.hadoop.fs.file.impl");
        }
    }
}
