package io.github.sparksnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST when installed ({@code apt-get install dataset-fashion-mnist}); skips visibly. */
class FashionMnistFilesTest {

    static final Path DIR = IdxReader.DEFAULT_FASHION_MNIST_DIR;

    static void assumeInstalled() {
        assumeTrue(Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz"))
                        && Files.isRegularFile(DIR.resolve("t10k-labels-idx1-ubyte.gz")),
                "Fashion-MNIST not installed at " + DIR + " (apt-get install dataset-fashion-mnist): skipped");
    }

    @Test
    void realSplitsHaveTheDocumentedShape() {
        assumeInstalled();
        // the test split through load(); the training split by header and labels (its 47 MB of pixels are not
        // needed to check the counts, and keeping this test fast matters more)
        IdxDataset test = IdxReader.load(DIR, false);
        IdxHeader trainImages = IdxReader.readHeader(DIR.resolve("train-images-idx3-ubyte.gz"));
        int[] trainLabels = IdxReader.readLabels(DIR.resolve("train-labels-idx1-ubyte.gz"));
        assertEquals(60000, trainImages.count());
        assertArrayEquals(new int[] {60000, 28, 28}, trainImages.dims());
        assertEquals(60000, trainLabels.length);
        assertEquals(10000, test.size());
        assertEquals(28, test.images().rows());
        assertEquals(28, test.images().cols());
        for (int[] labels : new int[][] {trainLabels, test.labels()}) {
            int[] perClass = new int[10];
            for (int l : labels) {
                assertTrue(l >= 0 && l < 10, "label " + l);
                perClass[l]++;
            }
            // Fashion-MNIST is balanced: 6000 per class in train, 1000 in test
            int[] expected = new int[10];
            Arrays.fill(expected, labels.length / 10);
            assertArrayEquals(expected, perClass);
        }
        // a ranged read of the compressed file agrees with the whole-file read
        IdxImages slice = IdxReader.readImages(DIR.resolve("t10k-images-idx3-ubyte.gz"), 9990, 10000);
        assertArrayEquals(Arrays.copyOfRange(test.images().rawPixels(), 9990 * 784, 10000 * 784), slice.rawPixels());
    }
}
