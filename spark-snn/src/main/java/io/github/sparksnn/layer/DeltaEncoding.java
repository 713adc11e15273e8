package io.github.sparksnn.layer;

/**
 * The spec layer {@code delta(threshold=0.1, padding=false)}: delta modulation over the pass's time steps
 * ({@link DeltaCode} has the formula), {@code [T, N, C, ...]} to {@code [T, N, 2C, ...]}, the ON channels then the
 * OFF channels. It differences consecutive steps, so it is meant for sequence input (with a repeated static input
 * only step 0 can fire). Not trained; see {@link EncodingLayer} for backward.
 *
 * <p>Single-step (streaming) passes fail: the previous step's input would be state that a stream's per-key store
 * does not carry, and differencing each pass from its own first step would fire again at every cut.
 */
public final class DeltaEncoding extends EncodingLayer {
    private final DeltaCode code;

    public DeltaEncoding(String label, int[] inShape, DeltaCode code) {
        super(label, inShape, doubled(inShape));
        this.code = code;
    }

    private static int[] doubled(int[] in) {
        int[] out = in.clone();
        out[0] = Math.multiplyExact(2, in[0]);
        return out;
    }

    public DeltaCode code() {
        return code;
    }

    @Override
    protected void encode(float[] x, float[] y, Pass pass) {
        if (pass.keepState) {
            throw new UnsupportedOperationException(label() + ": delta cannot run in single-step (streaming) "
                    + "passes: the previous step's input is not carried from one pass to the next");
        }
        code.encode(x, pass.timeSteps, pass.samples, inputSize(), y);
    }
}
