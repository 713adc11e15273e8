package io.github.sparksnn.cli;

import io.github.sparksnn.data.IdxDataset;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.EpochResult;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.Trainer;
import io.github.sparksnn.train.TrainerConfig;
import io.github.sparksnn.train.TrainingHistory;
import io.github.sparksnn.train.TrainingListener;
import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.LearningRateSchedules;
import io.github.sparksnn.train.optim.Optimizer;
import io.github.sparksnn.train.optim.Optimizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code snn fit}: trains a spiking network on an MNIST-family data set (Fashion-MNIST by default) in this JVM with
 * the single-JVM {@link Trainer}, printing one line per epoch and a final {@code test_accuracy=0.XXXX}.
 */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = {"Train a spiking network on Fashion-MNIST (or another MNIST-family IDX data set) in this JVM,"
                + " no Spark: per-epoch loss and accuracy, then test_accuracy=0.XXXX."})
public final class FitCommand implements Callable<Integer> {

    /** The MLP of the accuracy target: 784-512-10 LIF with ATan. */
    public static final String DEFAULT_MODEL =
            "flatten | linear(784,512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512,10) | lif(tau=2.0)";

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--model", paramLabel = "SPEC", defaultValue = DEFAULT_MODEL,
            description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--T", paramLabel = "STEPS", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Base learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--optimizer", paramLabel = "SPEC", defaultValue = "adam",
            description = "sgd(momentum=.., dampening=.., weight_decay=.., nesterov=..), adam(beta1=.., beta2=.., eps=..,"
                    + " weight_decay=..) or adamw(..) (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--schedule", paramLabel = "SPEC", defaultValue = "constant",
            description = "Learning-rate schedule per epoch: constant or cosine[(t_max=N, eta_min=X)]; cosine without"
                    + " t_max anneals over --epochs (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--encoder", defaultValue = "direct", description = "direct, poisson or latency(tau=.., threshold=.., normalize=.., linear=.., clip=..) (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--loss", defaultValue = "mse", description =
            "mse or ce on firing rates, ce_count, ce_max, ce_last or mse_membrane, optionally +l1(weight)"
            + " (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialization, shuffling and encoders (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tbptt-window", paramLabel = "STEPS", defaultValue = "0", description = "Truncated BPTT: the "
            + "gradient flows back through at most this many steps (0: full BPTT; default: ${DEFAULT-VALUE}).")
    int tbpttWindow;

    @Option(names = "--threads", defaultValue = "1", description = "Threads (default: ${DEFAULT-VALUE}). Above 1 each batch is split over that"
            + " many single-threaded engine replicas (data-parallel; batch norm's statistics are per share), and the"
            + " optimizer step runs in parallel parameter ranges.")
    int threads;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory with train-/t10k- images and labels IDX files, .gz or plain (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--input-shape", paramLabel = "C,H,W", split = ",", defaultValue = "1,28,28",
            description = "Shape of one sample as the model sees it (default: ${DEFAULT-VALUE}).")
    int[] inputShape;

    @Option(names = "--limit-train", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N training images (0: all).")
    int limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N test images (0: all).")
    int limitTest;

    @Option(names = "--log-every", paramLabel = "BATCHES", defaultValue = "0",
            description = "Print running loss/accuracy every N batches to stderr (0: off).")
    int logEvery;

    @Option(names = "--history-csv", paramLabel = "FILE", description = "Also write the per-epoch history as CSV.")
    Path historyCsv;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (epochs < 1 || batchSize < 1 || timeSteps < 1 || threads < 1 || limitTrain < 0 || limitTest < 0
                || logEvery < 0) {
            throw usage("--epochs, --batch-size, --T and --threads must be >= 1 and --limit-train, --limit-test,"
                    + " --log-every >= 0");
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw usage("--lr must be a finite number > 0, got " + lr);
        }
        Optimizer opt;
        LearningRateSchedule sched;
        EngineConfig cfg;
        try {
            opt = Optimizers.parse(optimizer);
            sched = LearningRateSchedules.parse(schedule);
            cfg = EngineConfig.builder().modelSpec(model).inputShape(inputShape).timeSteps(timeSteps)
                    .encoder(encoder).loss(loss).seed(seed).threads(threads).tbpttWindow(tbpttWindow).build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }

        long t0 = System.nanoTime();
        IdxDataset train = IdxReader.load(dataDir, true);
        IdxDataset test = IdxReader.load(dataDir, false);
        if (limitTrain > 0) {
            train = train.head(limitTrain);
        }
        if (limitTest > 0) {
            test = test.head(limitTest);
        }
        if (train.featureSize() != cfg.featureSize()) {
            throw usage("the data has " + train.featureSize() + " pixels per image but --input-shape gives "
                    + cfg.featureSize());
        }
        float[] trainX = train.features();
        float[] testX = test.features();
        err.printf(Locale.ROOT, "data: %d train / %d test images of %dx%d from %s (%.1f s)%n", train.size(),
                test.size(), train.images().rows(), train.images().cols(), dataDir, (System.nanoTime() - t0) * 1e-9);
        err.printf(Locale.ROOT, "model: %s%nT=%d encoder=%s loss=%s optimizer=%s lr=%s schedule=%s batch=%d epochs=%d"
                        + " seed=%d threads=%d%n", cfg.modelSpec(), timeSteps, cfg.encoder(), cfg.loss(), opt, lr,
                sched.resolve(epochs), batchSize, epochs, seed, threads);
        err.flush();

        TrainerConfig tc = new TrainerConfig(epochs, batchSize, lr, sched, seed, true, 1000);
        try (GradientEngine engine = cfg.create()) {
            err.printf(Locale.ROOT, "engine: %d parameters%n", engine.numParameters());
            Trainer trainer = new Trainer(engine, opt, tc);
            TrainingHistory h = trainer.fit(trainX, train.labels(), testX, test.labels(), new TrainingListener() {
                double loss;
                long correct;
                long count;

                @Override
                public void onBatch(int epoch, int batch, int batches, GradientEngine.StepStats s) {
                    loss += s.lossSum();
                    correct += s.correct();
                    count += s.count();
                    if (logEvery > 0 && (batch + 1) % logEvery == 0) {
                        err.printf(Locale.ROOT, "  epoch %d batch %d/%d: loss=%.4f acc=%.4f%n", epoch + 1, batch + 1,
                                batches, loss / count, (double) correct / count);
                        err.flush();
                    }
                    if (batch + 1 == batches) {
                        loss = 0;
                        correct = 0;
                        count = 0;
                    }
                }

                @Override
                public void onEpoch(EpochResult r) {
                    out.println(r);
                    out.flush();
                }
            });
            if (historyCsv != null) {
                Files.writeString(historyCsv, h.toCsv());
            }
            out.printf(Locale.ROOT, "best_test_accuracy=%.4f%n", h.bestTestAccuracy());
            out.printf(Locale.ROOT, "test_accuracy=%.4f%n", h.last().testAccuracy());
            out.flush();
        }
        return 0;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Stand-alone entry point (the {@code snn} launcher wires this command in as {@code snn fit}). */
    public static void main(String[] args) {
        System.exit(SnnCli.configure(new CommandLine(new FitCommand())).execute(args));
    }
}
