package io.github.sparksnn.layer;

/**
 * The spec layer {@code population(num_neurons, min=0.0, max=1.0, width=0.0)}: Gaussian receptive fields over
 * every input value ({@link PopulationCode} has the formula), per sample {@code [C, ...]} to
 * {@code [C * num_neurons, ...]}: a flat input of F features becomes F blocks of N responses, an image's channel
 * {@code c} becomes channels {@code c*N .. c*N + N - 1}. Each step is coded alone. Not trained; see
 * {@link EncodingLayer} for backward.
 */
public final class PopulationEncoding extends EncodingLayer {
    private final PopulationCode code;

    public PopulationEncoding(String label, int[] inShape, PopulationCode code) {
        super(label, inShape, widened(inShape, code.numNeurons()));
        this.code = code;
    }

    private static int[] widened(int[] in, int n) {
        int[] out = in.clone();
        out[0] = Math.multiplyExact(n, in[0]);
        return out;
    }

    public PopulationCode code() {
        return code;
    }

    @Override
    protected void encode(float[] x, float[] y, Pass pass) {
        int channels = inShape[0];
        code.encode(x, pass.rows(), channels, inputSize() / channels, y);
    }
}
