package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.sparksnn.data.IdxDataset;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.train.optim.Adam;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A short, seeded learning run of a real spiking MLP on a slice of the real Fashion-MNIST: it must learn (clearly
 * above the 10% of chance) and be reproducible. Skips visibly when the data set is not installed.
 */
class FashionMnistLearningTest {

    private static final Path DIR = IdxReader.DEFAULT_FASHION_MNIST_DIR;
    private static final String MLP =
            "flatten | linear(784,64) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(64,10) | lif(tau=2.0)";

    @Test
    void smallSpikingMlpLearnsASliceAndRepeatsItself() {
        assumeTrue(Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed at " + DIR + " (apt-get install dataset-fashion-mnist): skipped");
        // ranged reads: only the first records are decompressed
        IdxDataset train = new IdxDataset(IdxReader.readImages(DIR.resolve("train-images-idx3-ubyte.gz"), 0, 2000),
                IdxReader.readLabels(DIR.resolve("train-labels-idx1-ubyte.gz"), 0, 2000));
        IdxDataset test = new IdxDataset(IdxReader.readImages(DIR.resolve("t10k-images-idx3-ubyte.gz"), 0, 500),
                IdxReader.readLabels(DIR.resolve("t10k-labels-idx1-ubyte.gz"), 0, 500));
        float[] x = train.features();
        float[] tx = test.features();
        EngineConfig cfg = EngineConfig.builder().modelSpec(MLP).inputShape(1, 28, 28).timeSteps(4)
                .encoder("direct").loss("mse").seed(1).build();
        float[][] finalParams = new float[2][];
        double accuracy = 0;
        for (int run = 0; run < 2; run++) {
            try (GradientEngine e = cfg.create()) {
                Trainer t = new Trainer(e, new Adam(), TrainerConfig.of(2, 64, 2e-3, 9));
                TrainingHistory h = t.fit(x, train.labels(), tx, test.labels(), null);
                accuracy = h.last().testAccuracy();
                assertTrue(h.last().trainLoss() < h.epochs().get(0).trainLoss(), h.toString());
                finalParams[run] = t.parameters();
            }
        }
        System.out.printf("FashionMnistLearningTest: test accuracy %.4f after 2 epochs on 2000 images%n", accuracy);
        assertTrue(accuracy > 0.6, "test accuracy after 2 epochs on 2000 images: " + accuracy);
        assertArrayEquals(finalParams[0], finalParams[1], "same seed, same bits");
    }
}
