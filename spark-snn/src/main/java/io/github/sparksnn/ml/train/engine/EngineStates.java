package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.GradientEngine;

/**
 * An engine's full state as one float vector, {@code params ++ buffers} (buffers: the non-trainable batch-norm
 * running statistics, {@link GradientEngine#buffers()}), the form in which training steps and inference
 * broadcast it: tasks load both before every use, so a cached replica never keeps an earlier run's statistics.
 */
public final class EngineStates {
    private EngineStates() {
    }

    /** Loads {@code state = params ++ buffers} into the engine, so that no state of an earlier task survives. */
    public static void load(GradientEngine engine, float[] state, int numParams) {
        if (state.length == numParams) {
            engine.setParameters(state);
            engine.setBuffers(new float[0]);
            return;
        }
        engine.setParameters(java.util.Arrays.copyOf(state, numParams));
        engine.setBuffers(java.util.Arrays.copyOfRange(state, numParams, state.length));
    }

    /** {@code v ++ weight * engine.buffers()} ({@code v} itself when the model has no buffers). */
    public static float[] withWeightedBuffers(float[] v, GradientEngine engine, long weight) {
        float[] b = engine.buffers();
        if (b.length == 0) {
            return v;
        }
        float[] out = java.util.Arrays.copyOf(v, v.length + b.length);
        for (int j = 0; j < b.length; j++) {
            out[v.length + j] = b[j] * weight;
        }
        return out;
    }

    /** {@code params ++ buffers}, the broadcast state of a step ({@code params} itself without buffers). */
    public static float[] of(float[] params, float[] buffers) {
        if (buffers.length == 0) {
            return params;
        }
        float[] s = java.util.Arrays.copyOf(params, params.length + buffers.length);
        System.arraycopy(buffers, 0, s, params.length, buffers.length);
        return s;
    }

}
