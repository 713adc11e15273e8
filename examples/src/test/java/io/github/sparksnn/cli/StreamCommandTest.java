package io.github.sparksnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.source.IdxDataFrames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code snn stream generate} then {@code snn stream} on a model, run twice from one checkpoint: each key's running
 * rates after its last event equal the model's offline {@code rawPrediction} for that image bit for bit
 * ({@code cpu-portable}), and the second run, with nothing new, adds nothing.
 */
class StreamCommandTest {
    @Test
    void generatedEventsStreamToTheOfflinePredictions() throws Exception {
        Path data = Path.of(TrainJob.DEFAULT_DATA);
        assumeTrue(TrainJob.missingDataFile(data) == null, "Fashion-MNIST is installed");
        Path root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "stream");
        CliRun gen = CliRun.of("stream", "generate", "--output", root.resolve("events").toString(), "--images", "6",
                "--steps", "4", "--files", "3");
        assertEquals(0, gen.exitCode(), gen.toString());
        assertTrue(gen.out().startsWith("wrote 24 events (6 images x 4 steps) in 3 files"), gen.out());

        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        Map<Integer, double[]> offline = new HashMap<>();
        try {
            Dataset<Row> test = IdxDataFrames.load(spark, data, "test", 1).filter("index < 6");
            // epochs 0: the seeded initial weights, scaled up so that the output neurons fire
            SpikingNetworkModel m = new SpikingNetworkClassifier().setEpochs(0).setSeed(5).fit(test);
            float[] w = m.weights();
            for (int i = 0; i < w.length; i++) {
                w[i] *= 4f;
            }
            m = io.github.sparksnn.ml.SpikingNetworkModelFactory.withWeights(m, w).setBackend("cpu-portable");
            m.write().save(root.resolve("model").toString());
            for (Row r : m.transform(test).select("index", "rawPrediction").collectAsList()) {
                offline.put((int) r.getLong(0), ((Vector) r.get(1)).toArray());
            }
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
        String[] args = {"stream", "--model", root.resolve("model").toString(), "--input",
                root.resolve("events").toString(), "--output", root.resolve("out").toString(), "--checkpoint",
                root.resolve("ck").toString(), "--master", "local[2]", "--backend", "cpu-portable",
                "--files-per-batch", "1", "--partitions", "2", "--hidden-layers", "3"};
        CliRun first = CliRun.of(args);
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().startsWith("events=24 late=0"), first.out());
        CliRun again = CliRun.of(args);
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().startsWith("events=0 late=0"), again.out());

        spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> out = spark.read().parquet(root.resolve("out").toString()).collectAsList();
            assertEquals(24, out.size(), "each event once over both runs");
            int fired = 0;
            for (Row r : out) {
                if (r.getLong(r.fieldIndex("step")) != 4) {
                    continue;
                }
                assertEquals(512, r.getList(r.fieldIndex("snn_layer3_lif")).size(), "the hidden lif's spikes");
                int image = Integer.parseInt(r.getString(0).substring(4));
                double[] raw = ((Vector) r.get(r.fieldIndex("rawPrediction"))).toArray();
                for (int c = 0; c < raw.length; c++) {
                    assertEquals(Double.doubleToLongBits(offline.get(image)[c]), Double.doubleToLongBits(raw[c]),
                            "image " + image + ", class " + c);
                    fired += raw[c] > 0 ? 1 : 0;
                }
            }
            assertTrue(fired > 0, "some output neuron fired");
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }

        CliRun badLayer = CliRun.of("stream", "--model", root.resolve("model").toString(), "--input",
                root.resolve("events").toString(), "--output", root.resolve("out9").toString(), "--checkpoint",
                root.resolve("ck9").toString(), "--master", "local[1]", "--hidden-layers", "3,9");
        assertEquals(1, badLayer.exitCode(), badLayer.toString());
        assertTrue(badLayer.err().contains("hiddenLayers: layer 9 does not exist: the model has layers 1 to 5"),
                badLayer.err());
        assertTrue(!Files.exists(root.resolve("ck9").resolve("offsets")), "no query started");

        CliRun missing = CliRun.of("stream", "--model", root.resolve("model").toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("--input, --output and --checkpoint are required"), missing.err());
    }
}
