package io.github.sparksnn.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The spec encoder layers {@code delta(...)} and {@code population(...)} inside a network, against closed forms worked
 * out here in float64; their shapes, the spec's checks of their arguments and of their place, and what backward does.
 */
class EncodingLayersTest {

    /** Runs a network of {@code spec} over {@code x [T, n, inShape]} and returns its output. */
    static float[] run(String spec, int[] inShape, float[] x, int t, int n) {
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(ModelSpec.parse(spec), inShape, be)) {
            net.allocate(t, n);
            Tensor in = be.alloc(x.length);
            be.upload(x, 0, in, 0, x.length);
            float[] y = new float[t * n * net.outputSize()];
            be.download(net.forward(in, new Pass().set(t, n, true, 0, 0)), 0, y, 0, y.length);
            in.close();
            return y;
        }
    }

    static float[] random(int len, long seed, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    @Test
    void deltaFiresOnAndOffChannelsOnChangesBeyondTheThreshold() {
        int t = 6, n = 3, f = 4;
        // values on a grid of 1/8: every difference is exact, and some sit exactly on +-threshold (which fires)
        float[] x = new float[t * n * f];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(9) / 8f;
        }
        for (boolean padding : new boolean[] {false, true}) {
            float[] y = run("delta(threshold=0.25, padding=" + padding + ")", new int[]{f}, x, t, n);
            assertEquals(t * n * 2 * f, y.length);
            int on = 0, off = 0, edge = 0;
            for (int s = 0; s < t; s++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < f; j++) {
                        double now = x[(s * n + i) * f + j];
                        double before = s == 0 ? (padding ? now : 0) : x[((s - 1) * n + i) * f + j];
                        double d = now - before;
                        edge += Math.abs(d) == 0.25 ? 1 : 0;
                        float wantOn = d >= 0.25 ? 1 : 0, wantOff = d <= -0.25 ? 1 : 0;
                        assertEquals(wantOn, y[(s * n + i) * 2 * f + j], "ON step " + s + " sample " + i + " j " + j);
                        assertEquals(wantOff, y[(s * n + i) * 2 * f + f + j], "OFF step " + s + " sample " + i);
                        on += (int) wantOn;
                        off += (int) wantOff;
                    }
                }
            }
            assertTrue(on > 0 && off > 0 && edge > 0, on + " on, " + off + " off, " + edge + " on the threshold");
        }
        // snnTorch's documented example, spikegen.delta([1, 2, 0, 2, 2.9], threshold=1, off_spike=True) = [1, 1, -1, 1, 0]
        float[] y = run("delta(threshold=1.0)", new int[]{1}, new float[]{1, 2, 0, 2, 2.9f}, 5, 1);
        assertArrayEquals(new float[]{1, 0, 1, 0, 0, 1, 1, 0, 0, 0}, y);
    }

    @Test
    void deltaOfAnImageDoublesItsChannels() {
        int t = 3, n = 2;
        int[] shape = {2, 3, 3};
        float[] x = random(t * n * 18, 5, 0, 1);
        float[] y = run("delta(threshold=0.3) | flatten", shape, x, t, n);
        assertEquals(t * n * 36, y.length);
        // per sample [2C, H, W]: channel c < C is ON of input channel c, channel C + c its OFF
        for (int s = 1; s < t; s++) {
            for (int i = 0; i < 18; i++) {
                double d = (double) x[(s * n + 1) * 18 + i] - x[((s - 1) * n + 1) * 18 + i];
                assertEquals(d >= 0.3 ? 1f : 0f, y[(s * n + 1) * 36 + i]);
                assertEquals(d <= -0.3 ? 1f : 0f, y[(s * n + 1) * 36 + 18 + i]);
            }
        }
        try (CpuBackend be = new CpuBackend();
             Network net = Network.build(ModelSpec.parse("delta | conv2d(4, 2, 3)"), shape, be)) {
            assertArrayEquals(new int[]{4, 3, 3}, net.layers().get(0).outputShape());
        }
    }

    /** Bohte's fields written out: centres lo + i (hi - lo)/(k - 1), sigma = width or the spacing / 1.5. */
    static double field(double x, int i, int k, double lo, double hi, double width) {
        double sigma = width > 0 ? width : (hi - lo) / (k - 1) / 1.5;
        double c = lo + (hi - lo) * i / (k - 1);
        return Math.exp(-0.5 * ((x - c) / sigma) * ((x - c) / sigma));
    }

    @Test
    void populationGivesEachValueItsGaussianResponses() {
        int t = 2, n = 3, f = 5, k = 4;
        float[] x = random(t * n * f, 9, -1.5, 3.5); // beyond [min, max] too
        for (double width : new double[] {0.0, 0.7}) {
            float[] y = run("population(4, min=-1.0, max=2.0, width=" + width + ")", new int[]{f}, x, t, n);
            assertEquals(t * n * f * k, y.length);
            for (int row = 0; row < t * n; row++) {
                for (int j = 0; j < f; j++) {
                    for (int i = 0; i < k; i++) {
                        double want = field(x[row * f + j], i, k, -1, 2, width);
                        assertEquals((float) want, y[(row * f + j) * k + i], "row " + row + " feature " + j
                                + " field " + i);
                    }
                }
            }
        }
        // on a centre the response is 1, and one spacing away exp(-1.5^2 / 2)
        float[] y = run("population(3)", new int[]{1}, new float[]{0.5f}, 1, 1);
        assertArrayEquals(new float[]{(float) Math.exp(-1.125), 1f, (float) Math.exp(-1.125)}, y);
        // an image's channel c becomes channels c*k .. c*k + k - 1
        float[] img = random(2 * 2 * 2, 4, 0, 1);
        float[] z = run("population(3)", new int[]{2, 2, 2}, img, 1, 1);
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 3; i++) {
                for (int p = 0; p < 4; p++) {
                    assertEquals((float) field(img[c * 4 + p], i, 3, 0, 1, 0), z[(c * 3 + i) * 4 + p]);
                }
            }
        }
    }

    @Test
    void badArgumentsNameTheLayerAndTheValue() {
        String[][] cases = {
                {"delta(threshold=0)", "delta: threshold must be a finite number > 0, got 0.0"},
                {"delta(threshold=-0.5)", "got -0.5"},
                {"population(1)", "population: num_neurons must be >= 2, got 1"},
                {"population(4, min=2.0, max=1.0)", "min must be below max, both finite, got min=2.0, max=1.0"},
                {"population(4, width=-1.0)", "width must be a finite number >= 0"},
                {"population", "missing required argument 'num_neurons'"},
                {"delta(gain=2.0)", "delta has no argument 'gain'"},
        };
        for (String[] c : cases) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(c[0]), c[0]);
            assertTrue(String.valueOf(e.getMessage()).contains(c[1]), c[0] + ": " + e.getMessage());
        }
        for (String spec : new String[] {"linear(4, 4) | population(3)", "linear(4, 8) | lif | delta"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelSpec.parse(spec).buildLayers(new int[]{4}));
            assertTrue(e.getMessage().contains("an encoder layer passes no gradient to its input, so it must come "
                    + "before every layer with parameters, but layer 1 'linear(4, "), e.getMessage());
        }
        // after layers without parameters it is fine, and the shapes follow
        ModelSpec ok = ModelSpec.parse("flatten | population(3) | delta | linear(24, 2) | lif");
        assertArrayEquals(new int[]{2}, ok.outputShape(new int[]{1, 2, 2}));
        assertEquals(ok, ModelSpec.parse(ok.toString()));
        assertEquals("flatten | population(3) | delta | linear(24, 2) | lif", ok.toString());
        assertEquals(ModelSpec.parse("delta(threshold=0.5, padding=true) | population(5, min=-1.0, max=3.0, width=0.5)"),
                ModelSpec.builder().delta(0.5, true).layer("population",
                        java.util.Map.of("num_neurons", 5, "min", -1.0, "max", 3.0, "width", 0.5)).build());
    }

    @Test
    void backwardPassesNoGradientAndStreamingDeltaFails() {
        try (CpuBackend be = new CpuBackend();
             Network net = Network.build(ModelSpec.parse("delta | population(2)"), new int[]{3}, be)) {
            net.allocate(2, 1);
            Tensor in = be.alloc(6);
            Pass pass = new Pass().set(2, 1, true, 0, 0);
            net.forward(in, pass);
            for (Layer l : net.layers()) {
                assertEquals(0, l.numParameters());
                Tensor dy = be.alloc(2 * l.outputSize());
                assertNull(l.backward(dy, pass, false));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.backward(dy, pass, true));
                assertTrue(e.getMessage().contains("passes no gradient to its input"), e.getMessage());
                dy.close();
            }
            UnsupportedOperationException s = assertThrows(UnsupportedOperationException.class,
                    () -> net.stepForward(in, 1));
            assertTrue(s.getMessage().contains("delta cannot run in single-step (streaming) passes"), s.getMessage());
            in.close();
        }
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> run("population(2)", new int[]{2}, new float[]{0.5f, Float.NaN}, 1, 1));
        assertTrue(nan.getMessage().contains("population: the input holds NaN at row 0, index 1"), nan.getMessage());
        nan = assertThrows(IllegalArgumentException.class,
                () -> run("delta", new int[]{1}, new float[]{0.5f, Float.POSITIVE_INFINITY}, 2, 1));
        assertTrue(nan.getMessage().contains("delta: the input holds Infinity at step 1, sample 0, feature 0"),
                nan.getMessage());
    }
}
