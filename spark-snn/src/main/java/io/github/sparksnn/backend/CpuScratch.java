package io.github.sparksnn.backend;

import java.nio.FloatBuffer;

/**
 * The scratch arrays {@link CpuBackend}'s operation families share (one set per backend, as before the split, so the
 * families together hold no more memory than one class did): chunks of off-heap tensors are copied into the
 * {@code stage} arrays, computed on as plain arrays in L1, and copied out; the {@code big} arrays hold whole planes
 * or images and grow to the largest asked for. Not thread-safe, as the backend.
 */
final class CpuScratch {
    /** Floats per chunk of the staged loops. */
    static final int CHUNK = 1024;
    /** Staging arrays' length: a chunk and room for vector loops that run past its end (see {@link VectorPool}). */
    static final int STAGE = CHUNK + 64;

    final float[] stage1 = new float[STAGE];
    final float[] stage2 = new float[STAGE];
    final float[] stage3 = new float[STAGE];
    final float[] stage4 = new float[STAGE];
    final float[] stage5 = new float[STAGE];
    final float[] stage6 = new float[STAGE];
    final float[] stage7 = new float[STAGE];
    final float[] stage8 = new float[STAGE];
    final float[] stage9 = new float[STAGE];
    final float[] stage10 = new float[STAGE];
    private float[] big1 = new float[0];
    private float[] big2 = new float[0];
    private float[] big3 = new float[0];

    /** The off-heap buffer of a CPU tensor. */
    static FloatBuffer b(Tensor t) {
        return ((CpuTensor) t).buf;
    }

    float[] big1(int n) {
        if (big1.length < n) {
            big1 = new float[n];
        }
        return big1;
    }

    float[] big2(int n) {
        if (big2.length < n) {
            big2 = new float[n];
        }
        return big2;
    }

    float[] big3(int n) {
        if (big3.length < n) {
            big3 = new float[n];
        }
        return big3;
    }
}
