package io.github.sparksnn.ml;

import io.github.sparksnn.layer.Encoder;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.util.Locale;

/**
 * The Param definitions shared by {@link SpikingNetworkClassifier} and {@link SpikingNetworkModel} (names, docs,
 * validators and defaults in one place; each stage owns its Param instances, as Spark requires).
 */
final class SpikingNetworkParams {
    private SpikingNetworkParams() {
    }

    /** The default network: the Fashion-MNIST MLP of the README. */
    static final String DEFAULT_SPEC =
            "flatten | linear(784, 512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512, 10) | lif(tau=2.0)";

    static Param<String> modelSpec(Params p) {
        return new Param<>(p, "modelSpec", "the network as a text spec, layers separated by '|', e.g. '"
                + DEFAULT_SPEC + "'", (String s) -> s != null && !s.isBlank());
    }

    static IntParam timeSteps(Params p) {
        return new IntParam(p, "timeSteps", "simulation time steps T per sample (>= 1)", ParamValidators.gtEq(1));
    }

    static IntArrayParam inputShape(Params p) {
        return new IntArrayParam(p, "inputShape", "per-sample input shape, e.g. [1, 28, 28]; its product must equal "
                + "the length of the features vectors", (int[] a) -> {
                    if (a == null || a.length == 0) {
                        return false;
                    }
                    for (int d : a) {
                        if (d < 1) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    static BooleanParam sequenceInput(Params p) {
        return new BooleanParam(p, "sequenceInput", "the features hold a sequence, one slice per time step: "
                + "inputShape is [T, ...] with T = timeSteps, over a time-major vector of T slices or an array of T "
                + "vectors (array<double>: one value per step); the encoder must be direct");
    }

    static Param<String> encoder(Params p) {
        return new Param<>(p, "encoder", "input encoding over time: direct (the analog input at every step), "
                + "poisson (rate coding) or latency(tau=.., threshold=.., epsilon=.., normalize=.., linear=.., clip=..) "
                + "(time to first spike, snnTorch's spikegen.latency)", (String s) -> {
                    try {
                        Encoder.parse(s);
                        return true;
                    } catch (IllegalArgumentException e) {
                        return false;
                    }
                });
    }

    static Param<String> loss(Params p) {
        return new Param<>(p, "loss", "loss on the output trace: mse or ce on firing rates, ce_count on spike counts, "
                + "ce_max / ce_last on the maximum / last membrane of a readout, mse_membrane at every step",
                (String s) -> validLoss(s));
    }

    private static boolean validLoss(String s) {
        try {
            io.github.sparksnn.train.Loss.parse(s);
            return s.indexOf('+') < 0; // the L1 term comes from rateRegularization, not from the loss text
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static DoubleParam rateRegularization(Params p) {
        return new DoubleParam(p, "rateRegularization", "weight of the L1 penalty on the output's firing rates, "
                + "added to the loss (>= 0; 0 = none)", ParamValidators.gtEq(0));
    }

    static IntParam tbpttWindow(Params p) {
        return new IntParam(p, "tbpttWindow", "truncated BPTT: the gradient flows back through at most this many time "
                + "steps, window by window, so training memory no longer grows with timeSteps (>= 0; 0 = full BPTT, as "
                + "is any window >= timeSteps; the loss stays the one over all steps; needs a model without batch norm)",
                ParamValidators.gtEq(0));
    }

    static Param<String> optimizer(Params p) {
        return new Param<>(p, "optimizer", "optimizer spec: sgd(momentum=..), adam(beta1=.., beta2=..), adamw(..)",
                (String s) -> s != null && !s.isBlank());
    }

    static DoubleParam learningRate(Params p) {
        return new DoubleParam(p, "learningRate", "base learning rate (> 0)", ParamValidators.gt(0));
    }

    static Param<String> lrSchedule(Params p) {
        return new Param<>(p, "lrSchedule", "learning-rate schedule, advanced once per epoch: constant or "
                + "cosine(t_max=.., eta_min=..) (an open t_max spans all epochs)", (String s) -> s != null && !s.isBlank());
    }

    static IntParam batchSize(Params p) {
        return new IntParam(p, "batchSize", "global mini-batch size, split over partitions in proportion to their "
                + "sizes (>= 1)", ParamValidators.gtEq(1));
    }

    static IntParam epochs(Params p) {
        return new IntParam(p, "epochs", "passes over the training data (>= 0; MLlib's maxIter)", ParamValidators.gtEq(0));
    }

    static LongParam seed(Params p) {
        return new LongParam(p, "seed", "random seed: initial weights, shuffling, encoder and dropout draws");
    }

    static Param<String> backend(Params p) {
        return new Param<>(p, "backend", "compute backend, decided on each executor: auto (its GPU when it has a usable one, else CPU), "
                + "cpu, cpu-portable (the CPU with a pure-Java GEMM: the same bits on every x86-64 CPU, for clusters of "
                + "mixed CPUs; several times slower), or cuda (fails the task on an executor without a usable GPU)",
                oneOf("auto", "cpu", "cpu-portable", "cuda"));
    }

    static IntParam aggregationDepth(Params p) {
        return new IntParam(p, "aggregationDepth", "depth of treeAggregate for the gradient sums in syncMode=jobs (>= 1)",
                ParamValidators.gtEq(1));
    }

    static Param<String> checkpointDir(Params p) {
        return new Param<>(p, "checkpointDir", "directory (any Hadoop file system) for training checkpoints; "
                + "empty: none");
    }

    static IntParam checkpointInterval(Params p) {
        return new IntParam(p, "checkpointInterval", "write a checkpoint every N epochs (and after the last), >= 1",
                ParamValidators.gtEq(1));
    }

    static BooleanParam resume(Params p) {
        return new BooleanParam(p, "resume", "continue from the latest checkpoint in checkpointDir when there is one");
    }

    static Param<String> validationIndicatorCol(Params p) {
        return new Param<>(p, "validationIndicatorCol", "boolean column: true marks validation rows (evaluated "
                + "after every epoch, not trained on); empty: none");
    }

    static IntParam syncInterval(Params p) {
        return new IntParam(p, "syncInterval", "local steps between parameter synchronizations: 1 = synchronous "
                + "data-parallel SGD, k > 1 = local SGD: each task runs k steps with a fresh local optimizer (Adam's "
                + "moments restart every round), then sample-weighted parameter averaging",
                ParamValidators.gtEq(1));
    }

    static Param<String> syncMode(Params p) {
        return new Param<>(p, "syncMode", "how tasks synchronize every step: barrier (one long-lived barrier stage "
                + "per epoch, sums and parameters over sockets), jobs (one Spark job per step) or auto (barrier when "
                + "there are as many task slots as partitions and no dynamic allocation, else jobs)",
                oneOf("auto", "barrier", "jobs"));
    }

    static IntParam aggregationFanIn(Params p) {
        return new IntParam(p, "aggregationFanIn", "barrier mode: the most partial sums the driver receives per step "
                + "(>= 1); tasks form binomial trees over aligned blocks of partitions, one vector per link each way; "
                + "0, or no more partitions than this, makes a star (every task sends to the driver)",
                ParamValidators.gtEq(0));
    }

    static IntParam stepTimeout(Params p) {
        return new IntParam(p, "stepTimeout", "barrier mode: seconds any task or the driver waits for a peer before "
                + "the step fails with an error naming the partition and step (>= 1)", ParamValidators.gtEq(1));
    }

    static Param<String> transportPrecision(Params p) {
        return new Param<>(p, "transportPrecision", "barrier mode: how partial sums and state changes travel between "
                + "tasks and driver: float32 (bit-identical to jobs mode) or bfloat16 (half the bytes, deterministic, "
                + "rounded to 8 significant bits per hop; jobs mode always moves float32)",
                oneOf("float32", "bfloat16"));
    }

    private static scala.Function1<String, Object> oneOf(String... allowed) {
        return new scala.runtime.AbstractFunction1<String, Object>() {
            @Override
            public Object apply(String s) {
                if (s == null) {
                    return false;
                }
                String v = s.trim().toLowerCase(Locale.ROOT);
                for (String a : allowed) {
                    if (a.equals(v)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }
}
