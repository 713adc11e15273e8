package io.github.sparksnn.train;

import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything needed to build a {@link GradientEngine} replica anywhere (driver, executor, test): immutable and
 * serializable, so it can be broadcast or captured in a Spark closure. Validated on construction: the model
 * spec is parsed and every layer's shape checked against the input shape, so a bad spec fails before any job.
 *
 * <pre>
 * EngineConfig cfg = EngineConfig.builder()
 *     .modelSpec("flatten | linear(784, 256) | lif(surrogate=ATan()) | linear(256, 10) | lif(surrogate=ATan())")
 *     .inputShape(1, 28, 28).timeSteps(4).encoder("poisson").loss("mse").seed(42).build();
 * try (GradientEngine e = cfg.create()) { ... }
 * </pre>
 * Fluent copies: {@code cfg.withSeed(7)}, {@code cfg.withThreads(2)}, ...
 */
public final class EngineConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelSpec;
    private final int[] inputShape;
    private final int timeSteps;
    private final String encoder;
    private final String loss;
    private final long seed;
    private final int threads;
    private final int maxChunk;
    private final String backend;
    private final boolean sequenceInput;
    private final int tbpttWindow;
    private transient ModelSpec parsed;

    private EngineConfig(Builder b) {
        this.modelSpec = Objects.requireNonNull(b.modelSpec, "modelSpec is required");
        this.inputShape = Objects.requireNonNull(b.inputShape, "inputShape is required").clone();
        this.timeSteps = b.timeSteps;
        this.encoder = Encoder.parse(b.encoder).specName();
        this.loss = Loss.parse(b.loss).name();
        this.seed = b.seed;
        this.threads = b.threads;
        this.maxChunk = b.maxChunk;
        this.backend = Objects.requireNonNull(b.backend, "backend").trim().toLowerCase(java.util.Locale.ROOT);
        this.sequenceInput = b.sequenceInput;
        this.tbpttWindow = b.tbpttWindow;
        if (timeSteps < 1) {
            throw new IllegalArgumentException("timeSteps must be >= 1, got " + timeSteps);
        }
        if (sequenceInput && !encoder.equals("direct")) {
            throw new IllegalArgumentException("a sequence input brings its own time steps, so the encoder must be "
                    + "direct, got " + encoder);
        }
        if ((long) Layer.product(inputShape) * (sequenceInput ? timeSteps : 1) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("inputShape " + Arrays.toString(inputShape) + (sequenceInput
                    ? " over " + timeSteps + " steps" : "") + " is too large for one packed sample");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (maxChunk < 1) {
            throw new IllegalArgumentException("maxChunk must be >= 1, got " + maxChunk);
        }
        if (tbpttWindow < 0) {
            throw new IllegalArgumentException("tbpttWindow must be >= 0 (0 = full BPTT), got " + tbpttWindow);
        }
        ModelSpec spec = spec();
        if (truncated()) {
            for (Layer l : spec.buildLayers(inputShape)) {
                if (l instanceof io.github.sparksnn.layer.BatchNorm) {
                    // its batch statistics would be those of one window, not of all T steps: another forward
                    throw new IllegalArgumentException("tbpttWindow " + tbpttWindow + " < timeSteps " + timeSteps
                            + " needs a model without batchnorm (" + l.label() + " would normalize each window "
                            + "by its own statistics)");
                }
            }
        }
        int[] out = spec.outputShape(inputShape);
        boolean regression = loss.startsWith("mse_target");
        if (regression && (out.length != 1 || out[0] != 1)) {
            throw new IllegalArgumentException("loss mse_target needs a last layer with one output (the predicted value), "
                    + "got shape " + Arrays.toString(out) + " (end with linear(.., 1) | readout)");
        }
        if (!regression && (out.length != 1 || out[0] < 2)) {
            throw new IllegalArgumentException("the last layer must output a flat vector of >= 2 class scores, got shape "
                    + Arrays.toString(out) + " (add flatten and linear(.., classes) at the end)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.modelSpec = modelSpec;
        b.inputShape = inputShape.clone();
        b.timeSteps = timeSteps;
        b.encoder = encoder;
        b.loss = loss;
        b.seed = seed;
        b.threads = threads;
        b.maxChunk = maxChunk;
        b.backend = backend;
        b.sequenceInput = sequenceInput;
        b.tbpttWindow = tbpttWindow;
        return b;
    }

    /**
     * Builds the CPU engine with the seeded initial parameters: one replica on one thread (the default, one per
     * Spark task), or with {@code threads > 1} a {@link ParallelGradientEngine} of that many single-threaded
     * replicas (for training outside Spark).
     */
    public GradientEngine create() {
        if (!backend.equals("cpu") && !backend.equals(io.github.sparksnn.backend.CpuBackend.PORTABLE)) {
            // any other backend (e.g. cuda from the gpu module, through ServiceLoader) runs the same engine code
            return new CpuGradientEngine(this, io.github.sparksnn.backend.Backends.create(backend, threads));
        }
        return threads == 1 ? new CpuGradientEngine(this) : new ParallelGradientEngine(this);
    }

    /** The parsed model spec. */
    public ModelSpec spec() {
        if (parsed == null) {
            parsed = ModelSpec.parse(modelSpec);
        }
        return parsed;
    }

    /** The seeded initial parameters (the same as a fresh engine's), without building a backend. */
    public float[] initialParameters() {
        return Network.initialParameters(spec(), inputShape, seed);
    }

    public String modelSpec() {
        return modelSpec;
    }

    /** The network's input shape at one time step (with a sequence input: one step's slice). */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /**
     * Floats per packed sample: the product of the input shape, times {@code timeSteps} with a sequence input
     * (the sample then holds its steps one after another, time-major).
     */
    public int featureSize() {
        return Layer.product(inputShape) * (sequenceInput ? timeSteps : 1);
    }

    /**
     * Whether each sample is a sequence of {@code timeSteps} slices of {@link #inputShape()}, step {@code t} at
     * floats {@code [t*F, (t+1)*F)} of the sample, fed to the network at step {@code t} (no repetition, no
     * encoder); false: one static input that the encoder spreads over the steps.
     */
    public boolean sequenceInput() {
        return sequenceInput;
    }

    /** Width of the last layer (number of classes). */
    public int numClasses() {
        return spec().outputShape(inputShape)[0];
    }

    public int timeSteps() {
        return timeSteps;
    }

    public String encoder() {
        return encoder;
    }

    public String loss() {
        return loss;
    }

    public long seed() {
        return seed;
    }

    public int threads() {
        return threads;
    }

    /** The compute backend: {@code cpu} (default) or a registered {@code BackendProvider}'s name. */
    public String backend() {
        return backend;
    }

    /**
     * Truncated BPTT: the gradient flows back through at most this many steps, window by window (0 = full BPTT
     * over all {@code T} steps, as does any window {@code >= T}); see {@link CpuGradientEngine} for what it costs
     * and what it bounds.
     */
    public int tbpttWindow() {
        return tbpttWindow;
    }

    /** Whether the gradient is truncated: {@code 0 < tbpttWindow < timeSteps}. */
    public boolean truncated() {
        return tbpttWindow > 0 && tbpttWindow < timeSteps;
    }

    /** Most samples processed in one pass; larger calls are split into chunks of this size. */
    public int maxChunk() {
        return maxChunk;
    }

    public EngineConfig withModelSpec(String s) {
        return toBuilder().modelSpec(s).build();
    }

    public EngineConfig withInputShape(int... shape) {
        return toBuilder().inputShape(shape).build();
    }

    public EngineConfig withTimeSteps(int t) {
        return toBuilder().timeSteps(t).build();
    }

    public EngineConfig withEncoder(String e) {
        return toBuilder().encoder(e).build();
    }

    public EngineConfig withLoss(String l) {
        return toBuilder().loss(l).build();
    }

    public EngineConfig withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    public EngineConfig withThreads(int t) {
        return toBuilder().threads(t).build();
    }

    public EngineConfig withBackend(String b) {
        return toBuilder().backend(b).build();
    }

    public EngineConfig withMaxChunk(int c) {
        return toBuilder().maxChunk(c).build();
    }

    public EngineConfig withSequenceInput(boolean s) {
        return toBuilder().sequenceInput(s).build();
    }

    public EngineConfig withTbpttWindow(int w) {
        return toBuilder().tbpttWindow(w).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EngineConfig c && modelSpec.equals(c.modelSpec) && Arrays.equals(inputShape, c.inputShape)
                && timeSteps == c.timeSteps && encoder.equals(c.encoder) && loss.equals(c.loss) && seed == c.seed
                && threads == c.threads && maxChunk == c.maxChunk && backend.equals(c.backend)
                && sequenceInput == c.sequenceInput && tbpttWindow == c.tbpttWindow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelSpec, Arrays.hashCode(inputShape), timeSteps, encoder, loss, seed, threads, maxChunk,
                backend, sequenceInput, tbpttWindow);
    }

    @Override
    public String toString() {
        return "EngineConfig{model='" + modelSpec + "', inputShape=" + Arrays.toString(inputShape) + ", T=" + timeSteps
                + ", encoder=" + encoder + ", loss=" + loss + ", seed=" + seed + ", threads=" + threads
                + ", maxChunk=" + maxChunk + ", backend=" + backend
                // only when set: checkpoints of static-input runs keep their fingerprint (this string)
                + (sequenceInput ? ", sequenceInput=true" : "") + (tbpttWindow > 0 ? ", tbpttWindow=" + tbpttWindow : "")
                + "}";
    }

    /**
     * Builder; defaults: T=4, encoder direct, loss mse, seed 0, threads 1, maxChunk 256, backend cpu, tbpttWindow 0
     * (full BPTT).
     */
    public static final class Builder {
        private String modelSpec;
        private int[] inputShape;
        private int timeSteps = 4;
        private String encoder = "direct";
        private String loss = "mse";
        private long seed;
        private int threads = 1;
        private int maxChunk = 256;
        private String backend = "cpu";
        private boolean sequenceInput;
        private int tbpttWindow;

        public Builder modelSpec(String s) {
            this.modelSpec = s;
            return this;
        }

        public Builder modelSpec(ModelSpec s) {
            this.modelSpec = s.toString();
            return this;
        }

        public Builder inputShape(int... shape) {
            this.inputShape = shape.clone();
            return this;
        }

        public Builder timeSteps(int t) {
            this.timeSteps = t;
            return this;
        }

        /** {@code direct}, {@code poisson} or {@code latency(...)} ({@link Encoder}). */
        public Builder encoder(String e) {
            this.encoder = e;
            return this;
        }

        /** {@code mse} or {@code ce}. */
        public Builder loss(String l) {
            this.loss = l;
            return this;
        }

        /** Seed of the initial parameters. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Threads of the engine (1: one thread per Spark task; more: data-parallel replicas, one BLAS thread each). */
        public Builder threads(int t) {
            this.threads = t;
            return this;
        }

        public Builder maxChunk(int c) {
            this.maxChunk = c;
            return this;
        }

        /**
         * {@code cpu} (default), {@code cpu-portable} (the CPU backend with its pure-Java GEMM: the same bits on
         * every x86-64 CPU, several times slower) or the name of a registered backend provider (e.g. {@code cuda}).
         */
        public Builder backend(String b) {
            this.backend = b;
            return this;
        }

        /**
         * Each sample a sequence of {@code timeSteps} slices of the input shape (see
         * {@link EngineConfig#sequenceInput()}); needs the {@code direct} encoder.
         */
        public Builder sequenceInput(boolean s) {
            this.sequenceInput = s;
            return this;
        }

        /** Truncated BPTT window in steps (>= 0; 0, or any window >= T, is full BPTT). */
        public Builder tbpttWindow(int w) {
            this.tbpttWindow = w;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(this);
        }
    }
}
