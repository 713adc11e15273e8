package io.github.sparksnn.bench;

import io.github.sparksnn.ml.train.net.Frame;

import java.util.Arrays;

/**
 * What moving vectors over loopback costs on this machine, measured with the training protocol itself
 * ({@link io.github.sparksnn.ml.train.net.PeerLink} frames between two threads): the time of a one-way message of {@code n} floats at a few sizes,
 * fitted by least squares to {@code latency + bytes / bandwidth}. The bench uses the bandwidth for the transfer
 * floor of a step and both constants for its cost model.
 */
final class LoopbackProbe {
    /** Fitted cost of one message: {@code latencyMs + bytes * msPerByte}. */
    record Fit(double latencyMs, double msPerByte, double[] sizes, double[] oneWayMs) {
        double bandwidthGBs() {
            return 1e-6 / msPerByte;
        }

        double messageMs(double bytes) {
            return latencyMs + bytes * msPerByte;
        }

        /**
         * The per-message cost as measured: the fit's intercept, or, when the least-squares intercept came out at or
         * below zero (and was clamped there for the model), a bound from the smallest message's one-way time.
         */
        String latencyText() {
            return latencyMs > 0 ? String.format(java.util.Locale.ROOT, "%.3f ms per message", latencyMs)
                    : String.format(java.util.Locale.ROOT, "a per-message cost below the fit's resolution (0 in the "
                    + "model; under %.3f ms, the one-way time of %,.0f bytes)", oneWayMs[0], sizes[0]);
        }
    }

    private LoopbackProbe() {
    }

    /** Echo round trips at each size (median of {@code rounds}), halved to one-way times, then the fit. */
    static Fit measure(int[] floats, int rounds) throws Exception {
        int max = Arrays.stream(floats).max().orElse(1);
        double[] sizes = new double[floats.length];
        double[] oneWay = new double[floats.length];
        // The same echo as `bench transport`'s socket row: PeerLink frames between two threads of this JVM.
        try (TransportBenchCommand.SnnWire wire = new TransportBenchCommand.SnnWire("127.0.0.1", max, false)) {
            for (int k = 0; k < floats.length; k++) {
                int n = floats[k];
                float[] v = new float[n];
                double[] t = new double[rounds + 3];
                for (int r = 0; r < t.length; r++) {
                    long t0 = System.nanoTime();
                    wire.echo(v, n);
                    t[r] = (System.nanoTime() - t0) / 1e6 / 2;
                }
                double[] timed = Arrays.copyOfRange(t, 3, t.length); // the first rounds warm up the JIT
                Arrays.sort(timed);
                sizes[k] = Frame.HEADER_BYTES + 4.0 * n;
                oneWay[k] = timed[timed.length / 2];
            }
        }
        // Least squares: oneWay = a + b * bytes.
        int m = sizes.length;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < m; i++) {
            sx += sizes[i];
            sy += oneWay[i];
            sxx += sizes[i] * sizes[i];
            sxy += sizes[i] * oneWay[i];
        }
        double b = (m * sxy - sx * sy) / (m * sxx - sx * sx);
        double a = (sy - b * sx) / m;
        return new Fit(Math.max(0, a), b, sizes, oneWay);
    }
}
