package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Spark GPU path end to end without a device: {@code local-cluster[2,1,1024]} (two executor JVMs) whose
 * workers discover one {@code gpu} each through {@code conf/gpu-discovery.sh} (run over a fake nvidia-smi that
 * prints the UUID of emulated device 1), and {@code backend=cuda} served in the executors by
 * {@link EmulatedCudaBackendProvider} (the real {@link CudaBackend} over the {@link HostEmulator}); the driver
 * has no CUDA at all, so the choice is visibly made on the executors. Checked, through the public
 * {@link SpikingNetworkClassifier} only:
 * <ul>
 *   <li>every backend is created in an executor, on the device the Spark address maps to (UUID -> ordinal 1,
 *       never the default 0), one per executor per run (reused across all steps), and all are closed when
 *       {@code fit} returns;</li>
 *   <li>the trained parameters are bit-identical between two runs on the emulated GPU, and to the CPU backend's
 *       run (at this size: see the comment at the assertion);</li>
 *   <li>with no CUDA compiler on the executors ({@code SNN_NVCC=none}, an empty PTX cache, and the emulator loading
 *       a module only where a GPU machine would find its PTX), models with tuned surrogates train with every neuron
 *       backward on the (emulated) device, none on the host: LIF layers with {@code ATan(alpha=3)},
 *       {@code SoftSign(alpha=3.5)}, {@code PiecewiseQuadratic(alpha=1.5)} bit-identical to the CPU; with
 *       {@code Sigmoid(alpha=2)} (expf) and a PLIF (dL/dk summed in another order) within 1e-5 relative L2;</li>
 *   <li>a {@code Formula} surrogate on those executors: its PTX is written in Java ({@link FormulaPtx}; the emulator
 *       assembles it with nvPTXCompiler, then runs the formula's CUDA C compiled by g++, whose arithmetic that PTX
 *       reproduces), so {@code backend=cuda} and {@code backend=auto} both train with no host fallback and no warning,
 *       within 1e-5 relative L2 of the CPU (its g' calls expf).</li>
 * </ul>
 * One session, ~10 s of executor start-up; skips, visibly, without g++.
 */
class EmulatedCudaSparkTest {
    private static final int F = 6;
    private static final int C = 3;
    private static final String SPEC = "linear(6, 16) | lif(tau=2.0) | linear(16, 3) | lif(tau=2.0)";
    /**
     * Surrogates away from their defaults, a PLIF among them: their neuron kernels are the shipped modules with the
     * parameters as kernel arguments, so the executors (no nvcc, an empty PTX cache) need no compiler.
     */
    private static final String TUNED = "linear(6, 16) | lif(tau=2.0, surrogate=Sigmoid(alpha=2.0)) | linear(16, 12)"
            + " | plif(init_tau=2.0, surrogate=SoftSign(alpha=3.5)) | linear(12, 3) | lif(tau=2.0, surrogate=ATan(alpha=3.0))";
    /**
     * Tuned surrogates whose g' is rational (no expf: CUDA's and Java's exp differ in the last bit now and then, as
     * Sigmoid's g' does, 8e-8 relative in CudaParityContract) and no learned k: every operation the CPU's, in its
     * order, so the CPU's bits.
     */
    private static final String TUNED_LIF = "linear(6, 16) | lif(tau=2.0, surrogate=ATan(alpha=3.0)) | linear(16, 12)"
            + " | lif(tau=2.0, surrogate=SoftSign(alpha=3.5)) | linear(12, 3)"
            + " | lif(tau=2.0, surrogate=PiecewiseQuadratic(alpha=1.5))";
    private static final String UUID1 = EmulatedCudaBackendProvider.DEVICES.get(1).uuid();

    private static SpikingNetworkClassifier estimator(String backend) {
        return estimator(SPEC, backend);
    }

    private static SpikingNetworkClassifier estimator(String spec, String backend) {
        return new SpikingNetworkClassifier().setModelSpec(spec).setInputShape(new int[] {F}).setTimeSteps(4)
                .setOptimizer("adam").setLearningRate(0.02).setBatchSize(24).setEpochs(2).setSeed(9)
                .setBackend(backend);
    }

    private static Dataset<Row> data(SparkSession spark) {
        Random r = new Random(5);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            int label = i % C;
            double[] x = new double[F];
            for (int k = 0; k < F; k++) {
                x[k] = Math.min(1, Math.max(0, (k % C == label ? 0.8 : 0.2) + 0.1 * r.nextGaussian()));
            }
            rows.add(RowFactory.create(Vectors.dense(x), (double) label));
        }
        StructType schema = new StructType(new StructField[] {
                new StructField("features", SQLDataTypes.VectorType(), false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("label", DataTypes.DoubleType, false, org.apache.spark.sql.types.Metadata.empty())});
        return spark.createDataFrame(rows, schema).repartition(2).cache();
    }

    /** The {@code --add-opens} flags of this JVM (surefire's argLine), for the executors. */
    private static String opens() {
        StringBuilder sb = new StringBuilder();
        Pattern keep = Pattern.compile("^(--add-opens=|--add-exports=|--add-modules=|-XX:\\+IgnoreUnrecognizedVMOptions"
                + "|-Djdk\\.reflect\\.useDirectMethodHandle=|-Dio\\.netty\\.tryReflectionSetAccessible=).*");
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (keep.matcher(arg).matches()) {
                sb.append(sb.length() == 0 ? "" : " ").append(arg);
            }
        }
        return sb + " -Dlog4j2.level=WARN";
    }

    private static List<String> events(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                out.addAll(Files.readAllLines(f));
            }
        }
        return out;
    }

    @Test
    void trainsOnTheEmulatedGpusSparkAssignedAndMatchesTheCpu() throws Exception {
        Assumptions.assumeTrue(HostEmulator.unavailableReason().isEmpty(),
                () -> "SKIPPED (visible): " + HostEmulator.unavailableReason().get());
        Assumptions.assumeTrue(System.getenv("SNN_EMULATED_CUDA") == null, "the driver must not see the emulated GPU");
        HostEmulator.start(HostEmulator.builtInSurrogates()).stop();   // build once here, before executors race to

        Path work = Files.createDirectories(Path.of("target", "emulated-spark")).toAbsolutePath();
        Path events = Files.createTempDirectory(work, "events");
        Path smi = work.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n# fake: one GPU, printed as its UUID\n"
                + "[ \"$1\" = \"--query-gpu=uuid\" ] && echo " + UUID1 + "\n");
        Path discover = work.resolve("discover-gpu.sh");
        Path real = Path.of("..", "conf", "gpu-discovery.sh").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(real), real.toString());
        Files.writeString(discover, "#!/bin/sh\nNVIDIA_SMI=" + smi + " SNN_GPU_ADDRESS=uuid exec bash " + real + "\n");
        for (Path p : List.of(smi, discover)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        SparkSession spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("EmulatedCudaSparkTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
                .config("spark.local.dir", work.resolve("local").toString())
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", opens())
                .config("spark.executor.memory", "768m")
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .config("spark.executorEnv.SPARK_TESTING", "1")
                .config("spark.executorEnv.SNN_EMULATED_CUDA", "1")
                .config("spark.executorEnv.SNN_EMULATOR_HOME", Path.of(".").toAbsolutePath().normalize().toString())
                .config("spark.executorEnv.SNN_EMULATED_CUDA_LOG", events.toString())
                .config("spark.executorEnv.SNN_NVCC", Nvcc.NONE)
                .config("spark.executorEnv.SNN_PTX_CACHE", Files.createTempDirectory(work, "no-ptx-cache").toString())
                .config("spark.executorEnv.SNN_EMULATOR_DRIVER_ONLY", "1")
                .config("spark.worker.resource.gpu.amount", "1")
                .config("spark.worker.resource.gpu.discoveryScript", discover.toString())
                .config("spark.executor.resource.gpu.amount", "1")
                .config("spark.task.resource.gpu.amount", "1")
                .getOrCreate();
        try {
            Dataset<Row> train = data(spark);
            train.count();

            // first, executors without a usable GPU: backend=cuda fails naming the executor and the reason
            Path unplugged = Files.createFile(events.resolve("unplugged"));
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> estimator("cuda").fit(train));
            String m = String.valueOf(e.getMessage());
            assertTrue(Pattern.compile("backend=cuda: executor \\d+ \\(host [^)]+\\) has no usable CUDA device: "
                    + "emulated GPUs unplugged \\(Spark assigned GPU address " + UUID1 + "\\)").matcher(m).find(), m);
            Files.delete(unplugged);
            assertEquals(List.of(), events(events), "no backend was created");

            SpikingNetworkModel gpu = estimator("cuda").fit(train);
            List<String> first = events(events);
            List<String> creates = first.stream().filter(l -> l.startsWith("create ")).toList();
            Set<String> executors = new TreeSet<>();
            for (String c : creates) {
                String[] f = c.split(" ");   // create <executor> <ordinal> <address> <thread>
                executors.add(f[1]);
                assertEquals("1", f[2], "the UUID Spark assigned is emulated device 1: " + c);
                assertEquals(UUID1, f[3], c);
                assertFalse(f[1].equals("driver") || f[1].equals("none"), "created outside an executor: " + c);
            }
            assertEquals(Set.of("0", "1"), executors, "both executors trained on their GPU: " + first);
            // 2 epochs x 2 steps x 2 partitions of work, one engine per executor (one task slot each) for all of it
            assertEquals(2, creates.size(), "engines are reused across steps: " + first);
            assertEquals(creates.size(), first.stream().filter(l -> l.startsWith("close ")).count(),
                    "every engine is closed when the run ends: " + first);

            SpikingNetworkModel again = estimator("cuda").fit(train);
            assertArrayEquals(gpu.weights(), again.weights(), "two runs on the emulated GPU: the same bits");

            SpikingNetworkModel cpu = estimator("cpu").fit(train);
            float[] g = gpu.weights(), c = cpu.weights();
            double diff = 0, norm = 0;
            for (int i = 0; i < g.length; i++) {
                diff += (g[i] - c[i]) * (double) (g[i] - c[i]);
                norm += c[i] * (double) c[i];
            }
            double rel = Math.sqrt(diff / norm);
            System.out.printf("emulated GPU vs CPU on local-cluster: parameters' relative L2 difference %.2e%n", rel);
            // Bit-identical, as the issue asks: the kernels do the CPU's float operations in the CPU's order, and at
            // these shapes (Poisson spikes in, K <= 16) the GEMMs' products and sums coincide with OpenBLAS's. Larger
            // GEMMs sum in another order (CudaEngineParityContract: ~2e-7 relative on gradients).
            assertArrayEquals(c, g, "emulated GPU vs CPU parameters: relative L2 " + rel);
            assertTrue(gpu.summary().lossHistory()[1] < gpu.summary().lossHistory()[0] * 1.5, gpu.summary().toString());

            tunedSurrogatesNeedNoCompiler(train, events);
            aFormulaWithoutNvccTrainsOnTheDevice(train, events);

        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    /**
     * The tuned models on executors without nvcc: no surrogate falls back to the host; the CPU's bits where every
     * operation is the CPU's (TUNED_LIF), within 1e-5 relative L2 otherwise (TUNED).
     */
    private static void tunedSurrogatesNeedNoCompiler(Dataset<Row> train, Path events) throws IOException {
        try (var files = Files.list(events)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        for (String spec : List.of(TUNED_LIF, TUNED)) {
            SpikingNetworkModel gpu = estimator(spec, "cuda").fit(train);
            List<String> closes = events(events).stream().filter(l -> l.startsWith("close ")).toList();
            assertEquals(2, closes.size(), "one engine per executor: " + closes);
            for (String c : closes) {
                assertTrue(c.endsWith(" host-fallbacks=[]"), "every neuron backward ran on the emulated device, none"
                        + " needed nvcc: " + c);
            }
            try (var files = Files.list(events)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            SpikingNetworkModel cpu = estimator(spec, "cpu").fit(train);
            double rel = relativeL2(gpu.weights(), cpu.weights());
            System.out.printf("%s: emulated GPU without nvcc vs CPU, relative L2 %.2e%n", spec, rel);
            if (spec.equals(TUNED_LIF)) {
                assertArrayEquals(cpu.weights(), gpu.weights(), "tuned surrogates, emulated GPU without nvcc vs CPU");
            } else {
                // Sigmoid's g' uses expf (a last-bit difference now and then), and PLIF learns k: its dL/dk is a
                // double sum that the device adds per block then across blocks, the CPU in its own order; Adam
                // carries such last-bit differences through the run (observed 3.5e-8 with Sigmoid alone)
                assertTrue(rel < 1e-5, spec + ": relative L2 " + rel);
            }
        }
    }

    /** The Formula surrogate of {@link #FORMULA} (the emulator is built with it: {@link HostEmulator#formulas()}). */
    static final String FORMULA_SURROGATE = HostEmulator.SPARK_FORMULA;
    /** A model whose LIF layer has a Formula surrogate: no shipped module, and no nvcc on the executors. */
    private static final String FORMULA = "linear(6, 16) | lif(tau=2.0, surrogate=" + FORMULA_SURROGATE
            + ") | linear(16, 3) | lif(tau=2.0)";

    private static void aFormulaWithoutNvccTrainsOnTheDevice(Dataset<Row> train, Path events) throws IOException {
        SpikingNetworkModel cpu = estimator(FORMULA, "cpu").fit(train);
        for (String backend : List.of("cuda", "auto")) {
            clear(events);
            SpikingNetworkModel gpu = estimator(FORMULA, backend).fit(train);
            List<String> closes = events(events).stream().filter(l -> l.startsWith("close ")).toList();
            assertEquals(2, closes.size(), "one engine per executor on the emulated GPU: " + closes);
            for (String c : closes) {
                assertTrue(c.endsWith(" warnings=0 host-fallbacks=[]"), backend + ": the Formula layer's backward ran on"
                        + " the emulated device from Java-written PTX, no nvcc, no warning: " + c);
            }
            double rel = relativeL2(gpu.weights(), cpu.weights());
            System.out.printf("%s, backend=%s: emulated GPU without nvcc vs CPU, relative L2 %.2e%n", FORMULA, backend, rel);
            // g' = 4 sigmoid(2ax) sigmoid(-2ax) a / 2 calls expf: a last-bit difference now and then, as Sigmoid's
            assertTrue(rel < 1e-5, backend + ": relative L2 " + rel);
        }
    }

    private static void clear(Path events) throws IOException {
        try (var files = Files.list(events)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
    }

    private static double relativeL2(float[] g, float[] c) {
        double diff = 0, norm = 0;
        for (int i = 0; i < g.length; i++) {
            diff += (g[i] - c[i]) * (double) (g[i] - c[i]);
            norm += c[i] * (double) c[i];
        }
        return Math.sqrt(diff / norm);
    }
}
