package io.github.sparksnn.bench.scale;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.bench.TorchPeerCommand;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code snn bench scale-model}: {@link ScaleCostModel} extrapolated to host counts this machine cannot emulate, for
 * the default MLP, the CNN and a 13M-parameter CNN. Compute comes from this machine: the MLP's and the CNN's time per
 * image are measured on one thread ({@link Calibration}); the 13M model's is the CNN's time per GEMM FLOP times its
 * own GEMM FLOPs, counted by the backend on one call (not its parameter count: its large layer is a linear one whose
 * FLOPs per parameter are far below a convolution's). The MLP and the CNN also get that FLOP-scaled estimate beside
 * their measurement, as a check of the scaling. The per-step overhead is {@code --fixed-overhead-ms} (the one-host
 * row's fitted overhead that {@code bench scale} prints) plus the per-task O(M) work, measured here per value.
 *
 * <p>No network is used and no root is needed: every row is a prediction, and the table says so.
 */
@Command(name = "scale-model", mixinStandardHelpOptions = true,
        description = {"The scale-out cost model (ScaleCostModel) extrapolated to 64 and 256 hosts for the MLP, the "
                + "CNN and a 13M-parameter CNN, from compute measured here; every row is a prediction.",
                "Then the knobs at the largest P: bfloat16 transport, syncInterval, a larger batch, a wider fan-in."})
public final class ScaleModelCommand implements Callable<Integer> {

    /** A CNN of 12.9M parameters: the CNN's shape at twice and four times its width, with a 2048-wide hidden layer. */
    public static final String MODEL_13M = "conv2d(1,64,3,padding=1,bias=false) | batchnorm2d(64) "
            + "| if(surrogate=ATan(alpha=2.0)) | maxpool2d(2) | conv2d(64,128,3,padding=1,bias=false) "
            + "| batchnorm2d(128) | if(surrogate=ATan(alpha=2.0)) | maxpool2d(2) | flatten | linear(6272,2048) "
            + "| if(surrogate=ATan(alpha=2.0)) | linear(2048,10) | if(surrogate=ATan(alpha=2.0))";

    @Spec
    CommandSpec spec;

    @Option(names = "--hosts", split = ",", defaultValue = "1,8,64,256",
            description = "Host counts to predict (default: ${DEFAULT-VALUE}).")
    int[] hosts;

    @Option(names = "--link-gbit", split = ",", defaultValue = "1,10",
            description = "Link rates each way, Gbit/s (default: ${DEFAULT-VALUE}).")
    double[] gbits;

    @Option(names = "--batch-per-task", defaultValue = "64", description = "Images per task per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--fan-in", defaultValue = "2", description = "Aggregation tree fan-in, 0 = star (default: ${DEFAULT-VALUE}).")
    int fanIn;

    @Option(names = "--fixed-overhead-ms", defaultValue = "0", description = "Per-step overhead beside the O(M) work, "
            + "e.g. the one-host row's fitted overhead from bench scale (default: ${DEFAULT-VALUE}).")
    double fixedOverheadMs;

    @Option(names = "--spread", description = "Compute spread (cv) of one task's step, for the slowest-of-P term; "
            + "default: the one measured here for each model (noisy on a loaded machine).")
    Double spread;

    @Option(names = "--data-dir", defaultValue = TrainJob.DEFAULT_DATA, description = "Fashion-MNIST IDX directory for "
            + "the calibration; seeded random images when absent (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    /** One model's measured inputs. */
    record Measured(String name, String spec, int parameters, double flopsPerImage, double msPerStep, double cv,
                    boolean scaledByFlops, double[] ready) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.qualifiedName();
        if (batch < 1 || fanIn < 0 || fanIn == 1 || !(fixedOverheadMs >= 0) || hosts.length == 0 || gbits.length == 0
                || (spread != null && !(spread >= 0 && spread < 10))) {
            err.println(name + ": --batch-per-task must be >= 1, --fan-in 0 or >= 2, --fixed-overhead-ms >= 0, "
                    + "--spread in [0, 10)");
            return 2;
        }
        for (int h : hosts) {
            if (h < 1 || h > 65_536) {
                err.println(name + ": --hosts values must be in 1 .. 65536, got " + h);
                return 2;
            }
        }
        for (double g : gbits) {
            if (!(g > 0) || Double.isInfinite(g)) {
                err.println(name + ": --link-gbit values must be positive, got " + g);
                return 2;
            }
        }
        List<Measured> models = new ArrayList<>();
        err.println("measuring compute on one thread, batch " + batch + " ...");
        Measured cnn = measure("cnn", TorchPeerCommand.DEFAULT_MODEL);
        Measured mlp = measure("mlp", TrainJob.DEFAULT_MODEL);
        double nsPerFlop = cnn.msPerStep() * 1e6 / (cnn.flopsPerImage() * batch);
        Measured big = scaled("13m", MODEL_13M, nsPerFlop, cnn.cv());
        models.add(mlp);
        models.add(cnn);
        models.add(big);
        double taskNsPerValue = taskNanosPerValue(1 << 22);
        out.printf(Locale.ROOT, "compute per step (batch %d, one thread), GEMM FLOPs counted by the backend; per-task "
                + "O(M) work %.2f ns per parameter (state into the engine, gradient zeroed, encoded for the wire); "
                + "slowest of P tasks = median x (1 + spread x sqrt(2 ln P)), spread %s; the gradient leaves during "
                + "the backward pass on each model's calibrated schedule (bfloat16: after it, whole rounds)%n",
                batch, taskNsPerValue, spread != null ? "--spread " + spread : "as measured per model");
        out.println(String.format(Locale.ROOT, "%-5s %12s %12s %12s %10s %12s", "model", "parameters",
                "MFLOP/image", "compute ms", "spread", "FLOP-scaled"));
        for (Measured m : models) {
            double fromFlops = m.flopsPerImage() * batch * nsPerFlop * 1e-6;
            out.println(String.format(Locale.ROOT, "%-5s %,12d %12.1f %12.2f %10.3f %12s", m.name(), m.parameters(),
                    m.flopsPerImage() * 1e-6, m.msPerStep(), m.cv(),
                    m.scaledByFlops() ? "(used)" : String.format(Locale.ROOT, "%.2f", fromFlops)));
        }
        out.println();
        out.println(String.format(Locale.ROOT, "%-5s %6s %6s %8s %10s %10s %10s %10s %10s", "model", "Gbit/s", "P",
                "busiest", "compute", "exposed", "overhead", "step ms", "efficiency"));
        for (Measured m : models) {
            for (double g : gbits) {
                ScaleCostModel model = new ScaleCostModel(m.parameters(), g);
                double one = Double.NaN;
                for (int p : hosts) {
                    ScaleCostModel.Prediction pr = predict(model, m, p, fanIn, 1, taskNsPerValue);
                    if (p == 1) {
                        one = pr.stepMs();
                    }
                    out.println(String.format(Locale.ROOT, "%-5s %6s %6d %8d %10.2f %10.2f %10.2f %10.2f %10s",
                            m.name(), trim(g), p, pr.busiestVectors(), pr.computeMs(), pr.exposedMs(),
                            pr.overheadMs(), pr.stepMs(), Double.isNaN(one) ? "-"
                                    : String.format(Locale.ROOT, "%.2f", one / pr.stepMs())));
                }
            }
        }
        int top = hosts[hosts.length - 1];
        double g0 = gbits[0];
        out.println();
        out.printf(Locale.ROOT, "knobs at P=%d, %s Gbit/s (efficiency against the same setting at P=1):%n", top,
                trim(g0));
        out.println(String.format(Locale.ROOT, "%-5s %-24s %10s %10s", "model", "setting", "step ms", "efficiency"));
        for (Measured m : models) {
            for (Knob k : Knob.values()) {
                double[] e = k.predict(this, m, top, g0, taskNsPerValue);
                out.println(String.format(Locale.ROOT, "%-5s %-24s %10.2f %10.2f", m.name(), k.label, e[0], e[1]));
            }
        }
        out.println("every row above is a prediction of ScaleCostModel (its formula is in its class comment), not a "
                + "measurement; bench scale checks the model against emulated hosts at P <= 8.");
        return 0;
    }

    /** The settings a user can turn when a model stops scaling. */
    enum Knob {
        BASELINE("as measured"),
        BF16("bfloat16 transport"),
        SYNC4("syncInterval 4"),
        BATCH4("4x batch per task"),
        FANIN4("fan-in 4");

        final String label;

        Knob(String label) {
            this.label = label;
        }

        /** {step ms, efficiency} at {@code p} hosts. */
        double[] predict(ScaleModelCommand c, Measured m, int p, double gbit, double taskNs) {
            double bytes = this == BF16 ? 2 : 4;
            int fan = this == FANIN4 ? 4 : c.fanIn;
            double scale = this == BATCH4 ? 4 : 1;
            // The bfloat16 transport runs whole rounds: its gradient leaves after the backward pass.
            Measured mm = new Measured(m.name(), m.spec(), m.parameters(), m.flopsPerImage(), m.msPerStep() * scale,
                    m.cv(), m.scaledByFlops(), this == BF16 ? null : m.ready());
            ScaleCostModel model = new ScaleCostModel(m.parameters(), gbit, bytes);
            int every = this == SYNC4 ? 4 : 1;
            double at = c.predict(model, mm, p, fan, every, taskNs).stepMs();
            double one = c.predict(model, mm, 1, fan, every, taskNs).stepMs();
            // Per image: a larger batch does more work per step, so compare steps at equal work per task.
            return new double[]{at, one / at};
        }
    }

    /** One step at {@code p} hosts; with {@code every} > 1 the exchange happens once per that many steps. */
    ScaleCostModel.Prediction predict(ScaleCostModel model, Measured m, int p, int fan, int every, double taskNs) {
        double compute = ScaleCostModel.slowestOf(p, m.msPerStep(), spread != null ? spread : m.cv());
        double overhead = (fixedOverheadMs + taskNs * m.parameters() * 1e-6) / every;
        ScaleCostModel.Prediction pr = model.predict(ScaleCostModel.Topology.of(p, fan), compute, overhead, m.ready(),
                0);
        return new ScaleCostModel.Prediction(pr.computeMs(), pr.exposedMs() / every, overhead, pr.busiestVectors(),
                pr.linkBoundMs());
    }

    private EngineConfig config(String modelSpec) {
        return EngineConfig.builder().modelSpec(modelSpec).inputShape(1, 28, 28).timeSteps(4).encoder("direct")
                .loss("mse").seed(42).threads(1).build();
    }

    private Measured measure(String label, String modelSpec) {
        EngineConfig cfg = config(modelSpec);
        Calibration.Result r = Calibration.measure(cfg, batch, dataDir, 30, 16);
        int m = parameters(cfg);
        return new Measured(label, modelSpec, m, flopsPerImage(cfg), r.nanosPerImage() * batch * 1e-6,
                r.cv(), false, ready(cfg, m, batch, 5));
    }

    private Measured scaled(String label, String modelSpec, double nsPerFlop, double cv) {
        EngineConfig cfg = config(modelSpec);
        double flops = flopsPerImage(cfg);
        int m = parameters(cfg);
        // The schedule is a fraction of the call: measured at a small batch, where the large model is quick.
        return new Measured(label, modelSpec, m, flops, flops * batch * nsPerFlop * 1e-6, cv, true, ready(cfg, m, 2, 3));
    }

    /** Per piece, when the real engine's backward pass makes it final ({@link Calibration#finalSchedule}). */
    private double[] ready(EngineConfig cfg, int parameters, int atBatch, int calls) {
        double[][] s = SimulatedEngineFactory.schedule(Calibration.finalSchedule(cfg, atBatch, dataDir, calls),
                parameters);
        return ScaleCostModel.readyFromSchedule(parameters, s[0], s[1]);
    }

    private static int parameters(EngineConfig cfg) {
        try (GradientEngine e = cfg.create()) {
            return e.numParameters();
        }
    }

    /** GEMM FLOPs (2mnk per call) of one forward and backward pass, per image, counted by the backend. */
    static double flopsPerImage(EngineConfig cfg) {
        int n = 2;
        CpuBackend be = new CpuBackend(1);
        try (GradientEngine e = new CpuGradientEngine(cfg.withMaxChunk(Math.max(n, cfg.maxChunk())), be)) {
            SplittableRandom r = new SplittableRandom(3);
            float[] x = new float[n * e.featureSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            int[] y = new int[n];
            float[] g = new float[e.numParameters()];
            be.setProfiling(true);
            e.accumulateGradient(x, y, 0, n, 1, g);
            return be.gemmFlops() / n;
        }
    }

    /**
     * A task's per-step work on the whole vector, whatever the batch: the new state copied into the engine's
     * arrays, the gradient zeroed, the sum encoded little-endian for the wire. Median of 9 rounds over {@code m}
     * values, in ns per value.
     */
    static double taskNanosPerValue(int m) {
        float[] state = new float[m];
        float[] params = new float[m];
        float[] grad = new float[m];
        java.nio.ByteBuffer wire = java.nio.ByteBuffer.allocate(4 * m).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        double[] t = new double[9];
        for (int round = 0; round < t.length + 3; round++) {
            long t0 = System.nanoTime();
            System.arraycopy(state, 0, params, 0, m);
            java.util.Arrays.fill(grad, 0f);
            wire.clear();
            wire.asFloatBuffer().put(grad);
            long dt = System.nanoTime() - t0;
            if (round >= 3) {
                t[round - 3] = dt / (double) m;
            }
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2];
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
