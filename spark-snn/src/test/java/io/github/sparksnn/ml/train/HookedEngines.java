package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.train.GradientEngine;

/**
 * Engine factories for fault tests: each wraps another factory's engines and runs a {@link Hook} before every
 * gradient call (in the task's thread, with the call's seed), e.g. to stop a partition mid-epoch.
 */
final class HookedEngines {
    private HookedEngines() {
    }

    interface Hook extends java.io.Serializable {
        void beforeGradient(long seed);

        /**
         * Runs in the engine's thread after it reported {@code gradSum[from, to)} final, the {@code k}-th range of the
         * call (from 0): a hook that throws or stalls here does so in the middle of the backward pass, with the
         * ranges before on their way to the parent.
         */
        default void afterRange(long seed, int k, int from, int to) {
        }
    }

    record Factory(EngineFactory inner, Hook hook, String name) implements EngineFactory {
        @Override
        public GradientEngine create() {
            GradientEngine e = inner.create();
            return new GradientEngine() {
                public int numParameters() {
                    return e.numParameters();
                }

                public int featureSize() {
                    return e.featureSize();
                }

                public int numClasses() {
                    return e.numClasses();
                }

                public void setParameters(float[] p) {
                    e.setParameters(p);
                }

                public float[] parameters() {
                    return e.parameters();
                }

                public float[] buffers() {
                    return e.buffers();
                }

                public void setBuffers(float[] b) {
                    e.setBuffers(b);
                }

                public StepStats accumulateGradient(float[] f, int[] l, int from, int to, long seed, float[] g) {
                    hook.beforeGradient(seed);
                    return e.accumulateGradient(f, l, from, to, seed, g);
                }

                public StepStats accumulateGradient(float[] f, int[] l, int from, int to, long seed, float[] g,
                                                    FinalRanges done) {
                    hook.beforeGradient(seed);
                    int[] k = {0};
                    return e.accumulateGradient(f, l, from, to, seed, g, (a, b) -> {
                        done.completed(a, b);
                        hook.afterRange(seed, k[0]++, a, b);
                    });
                }

                public void predictRates(float[] f, int from, int to, long seed, float[] out) {
                    e.predictRates(f, from, to, seed, out);
                }

                public void close() {
                    e.close();
                }
            };
        }

        @Override
        public String cacheKey() {
            return name + "|" + inner.cacheKey();
        }
    }
}
