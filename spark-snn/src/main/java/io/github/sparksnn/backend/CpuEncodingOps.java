package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.b;

import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s counter-based random draws ({@link CounterRng}, the same on CPU and GPU): the Poisson spike
 * encoder, dropout masks, and the mask's product with every time step.
 */
final class CpuEncodingOps {
    private float[] rowIn = new float[0];
    private float[] rowOut = new float[0];
    private int[] thresholds = new int[0];
    private long[] hashes = new long[0];
    /** {@code f * CounterRng.GOLDEN}: the counter offsets of a row's draws (see {@link CounterRng#state}). */
    private long[] rngOffsets = new long[0];

    void poissonEncode(Tensor x, int samples, int features, int timeSteps, long seed, long counterBase,
                       Tensor out) {
        FloatBuffer X = b(x), O = b(out);
        int nf = samples * features;
        if (rowIn.length < features) {
            rowIn = new float[features];
            rowOut = new float[features];
            thresholds = new int[features];
            hashes = new long[features];
            rngOffsets = new long[features];
            for (int f = 0; f < features; f++) {
                rngOffsets[f] = f * CounterRng.GOLDEN;
            }
        }
        final float[] xr = rowIn, or = rowOut;
        final int[] thr = thresholds;
        final long[] hz = hashes;
        final long[] offs = rngOffsets;
        for (int s = 0; s < samples; s++) {
            X.get(s * features, xr, 0, features);
            // u < x  <=>  u24 < ceil(clamp(x, 0, 1) * 2^24) for the integer u24 = u * 2^24 (exact scaling);
            // NaN clamps to NaN and converts to 0: never fires, as u < NaN
            for (int f = 0; f < features; f++) {
                thr[f] = (int) Math.ceil(Math.min(1f, Math.max(0f, xr[f])) * 16777216f);
            }
            for (int t = 0; t < timeSteps; t++) {
                final long ctr = counterBase + ((long) s * timeSteps + t) * features;
                final long state = CounterRng.state(seed, ctr);
                for (int f = 0; f < features; f++) { // phase 1: the 24-bit draws (a tight, vectorized hashing loop)
                    hz[f] = CounterRng.mix(state + offs[f]) >>> 40;
                }
                for (int f = 0; f < features; f++) { // phase 2: branch-free integer compares
                    or[f] = (((int) hz[f]) - thr[f]) >>> 31;
                }
                O.put(t * nf + s * features, or, 0, features);
            }
        }
    }

    void dropoutMask(Tensor mask, int samples, int features, float p, long seed, long counterBase) {
        FloatBuffer M = b(mask);
        float keep = 1f / (1f - p);
        int n = samples * features;
        for (int i = 0; i < n; i++) {
            M.put(i, CounterRng.uniform(seed, counterBase + i) >= p ? keep : 0f);
        }
    }

    void multiplyShared(Tensor x, Tensor mask, int n, int times, Tensor out) {
        FloatBuffer X = b(x), M = b(mask), O = b(out);
        for (int t = 0; t < times; t++) {
            int base = t * n;
            for (int i = 0; i < n; i++) {
                O.put(base + i, X.get(base + i) * M.get(i));
            }
        }
    }
}
