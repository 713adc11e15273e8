package io.github.sparksnn.cli;

import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientCheck;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code snn model ...}: tools for model specs. {@code check-grad} is upstream's {@code check_manual_grad} for whole
 * networks: with every surrogate in smooth mode it compares the engine's BPTT gradient with central finite
 * differences of an independent double-precision forward pass, and prints the maximum relative error per
 * parameter tensor (exit code 3 above the tolerance, as every {@code snn} check).
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Model spec tools.",
        subcommands = {ModelCommand.CheckGrad.class})
public final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw Commands.missingSubcommand(spec);
    }

    @Command(name = "check-grad", mixinStandardHelpOptions = true,
            description = {"Checks a model's analytic BPTT gradient against finite differences (smooth mode).",
                    "Example: snn model check-grad --model 'flatten | linear(784, 64) | lif | linear(64, 10) | lif'"})
    static final class CheckGrad implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
        @Option(names = "--model", required = true, paramLabel = "SPEC",
                description = "Model spec, e.g. 'flatten | linear(784, 10) | lif(surrogate=ATan(alpha=2.0))'.")
        String model;

        @Option(names = "--T", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
        int timeSteps;

        @Option(names = "--batch", defaultValue = "3", description = "Random samples (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of parameters, inputs and labels (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--input-shape", defaultValue = "1,28,28", split = ",", paramLabel = "D",
                description = "Per-sample input shape (default: ${DEFAULT-VALUE}).")
        int[] inputShape;

        @Option(names = "--encoder", defaultValue = "direct", description = "direct, poisson or latency(tau=.., threshold=.., normalize=.., linear=.., clip=..) (default: ${DEFAULT-VALUE}).")
        String encoder;

        @Option(names = "--loss", defaultValue = "mse", description =
            "mse or ce on firing rates, ce_count, ce_max, ce_last or mse_membrane, optionally +l1(weight)"
            + " (default: ${DEFAULT-VALUE}).")
        String loss;

        @Option(names = "--probes", defaultValue = "20",
                description = "Entries probed per parameter tensor (default: ${DEFAULT-VALUE}).")
        int probes;

        @Option(names = "--tolerance", defaultValue = "1e-3",
                description = "Maximum relative error per tensor (default: ${DEFAULT-VALUE}).")
        double tolerance;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            EngineConfig cfg;
            try {
                if (batch < 1 || probes < 1 || timeSteps < 1 || !(tolerance > 0)) {
                    throw new IllegalArgumentException("--batch, --probes and --T must be >= 1 and --tolerance > 0");
                }
                cfg = EngineConfig.builder().modelSpec(model).inputShape(inputShape).timeSteps(timeSteps)
                        .encoder(encoder).loss(loss).seed(seed).build();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e, null, model);
            }
            out.println("model: " + cfg.spec());
            out.printf("input shape %s, T=%d, batch %d, encoder %s, loss %s, seed %d%n",
                    java.util.Arrays.toString(cfg.inputShape()), timeSteps, batch, cfg.encoder(), cfg.loss(), seed);
            GradientCheck.Result r = GradientCheck.run(cfg, batch, seed, probes);
            out.print(r.format(tolerance));
            out.flush();
            if (r.passed(tolerance)) {
                return 0;
            }
            spec.commandLine().getErr().println(spec.qualifiedName() + ": a parameter tensor's relative error exceeds"
                    + " --tolerance " + tolerance + " (FAIL above)");
            spec.commandLine().getErr().flush();
            return SnnCli.EXIT_CHECK_FAILED;
        }
    }

    /** Standalone entry point (the {@code snn} launcher wires this command in as {@code snn model}). */
    public static void main(String[] args) {
        System.exit(SnnCli.configure(new CommandLine(new ModelCommand())).execute(args));
    }
}
