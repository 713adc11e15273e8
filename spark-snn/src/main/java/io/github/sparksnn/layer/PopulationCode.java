package io.github.sparksnn.layer;

import java.io.Serializable;

/**
 * Population coding of a scalar with Gaussian receptive fields (Bohte, Kok and La Poutré 2002, the scheme of
 * SpikingJelly's {@code encoding.GaussianTuning}): {@code N} neurons with centres
 * {@code c[i] = min + i (max - min) / (N - 1)}, {@code i < N}, evenly spread over [min, max] with both ends
 * included, each responding to the value {@code x} with
 * <pre>
 *   r[i] = exp(-(x - c[i])^2 / (2 sigma^2))
 * </pre>
 * where {@code sigma = width}, or, with {@code width = 0}, {@code sigma = (max - min) / (1.5 (N - 1))}: Bohte's
 * {@code beta = 1.5} over the spacing of the centres. (SpikingJelly places its centres half a spacing beyond
 * [min, max]; here the range's ends are centres.) A value outside [min, max] is coded by the same curves.
 *
 * <p>The one definition behind the spec layer {@code population(...)} ({@link PopulationEncoding}) and the Spark
 * stage {@code PopulationEncoder}: both code float inputs (the network's input type) through {@link #response}, in
 * {@code double}, so the stage's double responses rounded to float are the layer's, bit for bit. Immutable and
 * serializable.
 */
public final class PopulationCode implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numNeurons;
    private final double min;
    private final double max;
    private final double width;
    private final double sigma;
    private final double spacing;

    /**
     * @throws IllegalArgumentException unless {@code numNeurons >= 2}, {@code min < max} (both finite) and
     *         {@code width >= 0} (finite), naming the parameter and its value
     */
    public PopulationCode(int numNeurons, double min, double max, double width) {
        if (numNeurons < 2) {
            throw new IllegalArgumentException("population: num_neurons must be >= 2, got " + numNeurons);
        }
        if (!(Double.isFinite(min) && Double.isFinite(max) && min < max)) {
            throw new IllegalArgumentException("population: min must be below max, both finite, got min=" + min
                    + ", max=" + max);
        }
        if (!(width >= 0) || Double.isInfinite(width)) {
            throw new IllegalArgumentException("population: width must be a finite number >= 0 (0: from the "
                    + "spacing), got " + width);
        }
        this.numNeurons = numNeurons;
        this.min = min;
        this.max = max;
        this.width = width;
        this.sigma = sigma(numNeurons, min, max, width);
        this.spacing = (max - min) / (numNeurons - 1);
    }

    /** {@code width}, or {@code (max - min) / (1.5 (N - 1))} when it is 0. */
    public static double sigma(int numNeurons, double min, double max, double width) {
        return width > 0 ? width : (max - min) / (1.5 * (numNeurons - 1));
    }

    public int numNeurons() {
        return numNeurons;
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    public double width() {
        return width;
    }

    /** The standard deviation in use. */
    public double sigma() {
        return sigma;
    }

    /**
     * The response of neuron {@code i} to {@code x} (class comment), in {@code double}.
     *
     * @throws IllegalArgumentException on a NaN or infinite {@code x}
     */
    public double response(double x, int i) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("population: the input holds " + x + "; values must be finite");
        }
        double d = x - (min + i * spacing);
        return Math.exp(-d * d / (2 * sigma * sigma));
    }

    /**
     * Codes {@code rows} rows of a per-row shape {@code [channels, inner]} ({@code x}, row-major) into
     * {@code [channels * N, inner]}: the value at {@code (c, r)} gives its N responses at
     * {@code ((c * N + i) * inner + r)}. For a flat input ({@code inner = 1}) feature {@code j} owns
     * {@code [j * N, (j + 1) * N)}, the layout of one {@code PopulationEncoder} per feature assembled in order.
     *
     * @throws IllegalArgumentException on a NaN or infinite input, naming its row and index
     */
    public void encode(float[] x, int rows, int channels, int inner, float[] out) {
        int in = channels * inner;
        for (int row = 0; row < rows; row++) {
            for (int c = 0; c < channels; c++) {
                for (int r = 0; r < inner; r++) {
                    float v = x[row * in + c * inner + r];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("population: the input holds " + v + " at row " + row
                                + ", index " + (c * inner + r) + "; values must be finite");
                    }
                    int o = (row * channels + c) * numNeurons * inner + r;
                    for (int i = 0; i < numNeurons; i++) {
                        out[o + i * inner] = (float) response(v, i);
                    }
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PopulationCode c && numNeurons == c.numNeurons && Double.compare(min, c.min) == 0
                && Double.compare(max, c.max) == 0 && Double.compare(width, c.width) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(numNeurons, min, max, width);
    }

    @Override
    public String toString() {
        return "population(" + numNeurons + ", min=" + min + ", max=" + max + ", width=" + width + ")";
    }
}
