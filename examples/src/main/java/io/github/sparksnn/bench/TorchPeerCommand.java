package io.github.sparksnn.bench;

import io.github.sparksnn.data.IdxImages;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.Trainer;
import io.github.sparksnn.train.TrainerConfig;
import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.Optimizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn bench torch}: the engine against the same network in PyTorch (libtorch 2.10 on the CPU, one thread,
 * {@link TorchTwin}), in the same JVM and the same run, rounds interleaved so machine noise hits both alike.
 * First both get the same parameters and the same batch, and their losses and gradients are compared: the figures
 * below are only worth something if the two compute the same thing.
 */
@Command(name = "torch", mixinStandardHelpOptions = true,
        description = "The engine vs the same network in PyTorch (libtorch 2.10, CPU, 1 thread), same run.")
public final class TorchPeerCommand implements Callable<Integer> {
    /** The spiking CNN: SpikingJelly's conv_fashion_mnist at width 32. */
    public static final String DEFAULT_MODEL = "conv2d(1,32,3,padding=1,bias=false) | batchnorm2d(32) "
            + "| if(surrogate=ATan(alpha=2.0)) | maxpool2d(2) | conv2d(32,32,3,padding=1,bias=false) | batchnorm2d(32) "
            + "| if(surrogate=ATan(alpha=2.0)) | maxpool2d(2) | flatten | linear(1568,128) "
            + "| if(surrogate=ATan(alpha=2.0)) "
            + "| linear(128,10) | if(surrogate=ATan(alpha=2.0))";

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--model", paramLabel = "SPEC", defaultValue = DEFAULT_MODEL,
            description = "Model spec (default: the spiking CNN of SpikingJelly's conv_fashion_mnist, width 32).")
    String model;

    @Option(names = "--T", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batches", defaultValue = "4",
            description = "Batches per timed round (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(names = "--rounds", defaultValue = "5",
            description = "Timed rounds of each; medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--data-dir", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Fashion-MNIST IDX directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    /** The smooth-mode gate: relative L2 distance between the two gradients. */
    static final double GRADIENT_TOLERANCE = 1e-4;

    /** {engine loss, twin loss, relative gradient error} on the first batch, both from the same parameters. */
    private double[] lossesAndGradientError(GradientEngine engine, TorchTwin twin, float[] params, float[] x,
                                            float[] xb, int[] y) {
        twin.load(params);
        float[] ge = new float[engine.numParameters()];
        GradientEngine.StepStats st = engine.accumulateGradient(x, y, 0, batchSize, 0, ge);
        float twinLoss = twin.lossAndBackward(xb, y, batchSize);
        return new double[]{st.lossSum() / st.count(), twinLoss, twin.relativeGradientError(ge, batchSize)};
    }

    /** Whether {engine loss, twin loss, gradient error} pass the smooth-mode gate. */
    private static boolean same(double[] c) {
        return Math.abs(c[0] - c[1]) <= 1e-5 * Math.max(1, Math.abs(c[0])) && c[2] < GRADIENT_TOLERANCE;
    }

    @Override
    public Integer call() {
        if (timeSteps < 1 || batchSize < 1 || batches < 1 || rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--T, --batch-size, --batches and --rounds must be >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path img = dataDir.resolve("train-images-idx3-ubyte.gz");
        Path lab = dataDir.resolve("train-labels-idx1-ubyte.gz");
        if (!Files.isRegularFile(img) || !Files.isRegularFile(lab)) {
            throw new IllegalArgumentException("Fashion-MNIST not found in " + dataDir + ": install it with `"
                    + io.github.sparksnn.data.IdxReader.INSTALL_COMMAND + "` or pass --data-dir DIR");
        }
        EngineConfig cfg;
        try {
            cfg = EngineConfig.builder().modelSpec(model).inputShape(1, 28, 28).timeSteps(timeSteps).encoder("direct")
                    .loss("mse").seed(42).threads(1).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        int n = batches * batchSize;
        float[] x = new float[n * 784];
        int[] y = new int[n];
        IdxImages im = IdxReader.readImages(img, 0, n);
        im.toFloats(0, n, x, 0);
        System.arraycopy(IdxReader.readLabels(lab, 0, n), 0, y, 0, n);

        org.bytedeco.pytorch.global.torch.set_num_threads(1);
        org.bytedeco.pytorch.global.torch.manual_seed(42);
        try (GradientEngine engine = cfg.create();
             TorchTwin twin = new TorchTwin(ModelSpec.parse(model), new int[]{1, 28, 28}, timeSteps, true)) {
            // (1) Same parameters, same batch: the same loss and gradient (sum over the batch = mean x batch size).
            // The gate is smooth mode, where the network is a smooth function and two implementations agree to
            // rounding whatever kernels this CPU picks. In spiking mode a potential within rounding of its threshold
            // may fire on one side only (one flipped hidden spike moves the gradient by ~10%), so that comparison is
            // printed beside the nearest potential's distance to its threshold, not gated.
            float[] start = engine.parameters();
            float[] xb = java.util.Arrays.copyOf(x, batchSize * 784);
            ModelSpec smoothSpec = ModelSpec.parse(model).withSpikingMode(false);
            EngineConfig smoothCfg = EngineConfig.builder().modelSpec(smoothSpec.toString()).inputShape(1, 28, 28)
                    .timeSteps(timeSteps).encoder("direct").loss("mse").seed(42).threads(1).build();
            double[] smooth;
            double[] withOneDnn = null;
            try (GradientEngine smoothEngine = smoothCfg.create();
                 TorchTwin smoothTwin = new TorchTwin(smoothSpec, new int[]{1, 28, 28}, timeSteps, true)) {
                smoothEngine.setParameters(start);
                smooth = lossesAndGradientError(smoothEngine, smoothTwin, start, x, xb, y);
                if (!same(smooth)) {
                    // libtorch's oneDNN convolutions computed other gradients on some CPUs (see TorchTwin): check
                    // its own ATen convolutions, and time those if they agree.
                    withOneDnn = smooth;
                    smoothTwin.useOneDnn(false);
                    smooth = lossesAndGradientError(smoothEngine, smoothTwin, start, x, xb, y);
                    twin.useOneDnn(false);
                }
            }
            double[] spiking = lossesAndGradientError(engine, twin, start, x, xb, y);
            out.printf(Locale.ROOT, "bench torch: %s%n  T=%d, batch %d, direct input, MSE on rates, Adam lr 1e-3; "
                    + "%d rounds of %d batches each, interleaved; Fashion-MNIST%n", model, timeSteps, batchSize, rounds,
                    batches);
            if (withOneDnn != null) {
                out.printf(Locale.ROOT, "libtorch with oneDNN convolutions on this CPU, smooth mode: loss %.6f, gradient "
                        + "%.2e from the engine's; PyTorch below runs without oneDNN%n", withOneDnn[1], withOneDnn[2]);
            }
            out.printf(Locale.ROOT, "smooth mode (spiking=false), same parameters, same batch: loss engine %.6f, "
                    + "PyTorch %.6f; gradient |torch - engine| / |engine| = %.2e (must be < %.0e)%n", smooth[0],
                    smooth[1], smooth[2], GRADIENT_TOLERANCE);
            out.printf(Locale.ROOT, "spiking mode, same parameters, same batch: loss engine %.6f, PyTorch %.6f; "
                    + "gradient %.2e; nearest potential %.1e from its threshold (closer than ~1e-4, rounding may flip "
                    + "a spike on one side)%n", spiking[0], spiking[1], spiking[2], twin.minMargin());
            if (!same(smooth)) {
                err.println(spec.qualifiedName() + ": the PyTorch twin does not compute what the engine computes in"
                        + " smooth mode (see above); no speed figures for different work");
                err.flush();
                return io.github.sparksnn.cli.SnnCli.EXIT_CHECK_FAILED;
            }

            // (2) Speed: rounds interleaved, each side training on the same n images.
            Trainer t = new Trainer(engine, Optimizers.parse("adam"),
                    new TrainerConfig(1, batchSize, 1e-3, LearningRateSchedule.constant(), 42, false, 1000));
            float[] batchX = new float[batchSize * 784];
            int[] batchY = new int[batchSize];
            double[] engineSeconds = new double[rounds];
            double[] torchSeconds = new double[rounds];
            for (int r = -1; r < rounds; r++) { // round -1 warms both up
                double es = t.trainEpoch(r + 1, x, y, null).trainSeconds();
                long t0 = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    System.arraycopy(x, b * batchSize * 784, batchX, 0, batchSize * 784);
                    System.arraycopy(y, b * batchSize, batchY, 0, batchSize);
                    twin.trainStep(batchX, batchY, batchSize);
                }
                double ts = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) {
                    engineSeconds[r] = es;
                    torchSeconds[r] = ts;
                }
                err.printf(Locale.ROOT, "round %d: engine %.0f, PyTorch %.0f images/s%n", r + 1, n / es, n / ts);
                err.flush();
            }
            double e = n / TrainBenchCommand.median(engineSeconds);
            double p = n / TrainBenchCommand.median(torchSeconds);
            out.printf(Locale.ROOT, "%-34s %10s %8s%n", "run (1 thread)", "images/s", "ratio");
            out.printf(Locale.ROOT, "%-34s %10.0f %7.2fx%n", twin.usesOneDnn() ? "PyTorch 2.10 (libtorch, JavaCPP)"
                    : "PyTorch 2.10 (libtorch, no oneDNN)", p, 1.0);
            out.printf(Locale.ROOT, "%-34s %10.0f %7.2fx%n", "spark-snn engine", e, e / p);
            out.println("PyTorch spikes by straight-through (one extra elementwise primitive per neuron step; "
                    + "SpikingJelly's custom autograd function skips it); both compute the static prefix once.");
        }
        out.flush();
        return 0;
    }
}
