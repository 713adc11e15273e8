package io.github.sparksnn.bench;

import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PyTorch twin computes what the engine computes (an independent implementation of the same network: libtorch's
 * autograd against the engine's hand-written BPTT), for every layer and neuron option it supports; and
 * {@code bench torch} prints its check and its table.
 */
class TorchTwinTest {

    private static void sameLossAndGradient(String spec, int[] shape, int n) {
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(shape).timeSteps(3).encoder("direct")
                .loss("mse").seed(7).threads(1).build();
        int features = 1;
        for (int d : shape) {
            features *= d;
        }
        Random r = new Random(11);
        float[] x = new float[n * features];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2;
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(cfg.numClasses());
        }
        org.bytedeco.pytorch.global.torch.set_num_threads(1);
        try (GradientEngine engine = cfg.create(); TorchTwin twin = new TorchTwin(ModelSpec.parse(spec), shape, 3)) {
            twin.load(engine.parameters());
            float[] ge = new float[engine.numParameters()];
            GradientEngine.StepStats st = engine.accumulateGradient(x, y, 0, n, 0, ge);
            float loss = twin.lossAndBackward(x, y, n);
            float[] gt = twin.gradients();
            assertEquals(st.lossSum() / n, loss, 1e-5, spec);
            double num = 0;
            double den = 0;
            for (int i = 0; i < ge.length; i++) {
                double d = (double) gt[i] * n - ge[i];
                num += d * d;
                den += (double) ge[i] * ge[i];
            }
            assertTrue(den > 0, "a gradient to compare: " + spec);
            assertTrue(Math.sqrt(num / den) < 1e-4, spec + ": relative gradient error " + Math.sqrt(num / den));
        }
    }

    @Test
    void everyLayerAndNeuronOptionMatchesTheEngine() {
        sameLossAndGradient("flatten | linear(12,16) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(16,4) "
                + "| lif(tau=3.0, decay_input=false, v_reset=None, surrogate=Sigmoid(alpha=4.0))", new int[]{12}, 9);
        sameLossAndGradient("flatten | linear(12,16,bias=false) | batchnorm1d(16) | if(detach_reset=true, "
                + "v_threshold=0.5) | linear(16,3) | if(v_reset=-0.2)", new int[]{12}, 7);
        sameLossAndGradient("conv2d(2,4,3,padding=1) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0)) | maxpool2d(2) "
                + "| conv2d(4,4,3,stride=1,bias=false) | if | avgpool2d(2) | flatten | linear(4,5) | if",
                new int[]{2, 8, 8}, 5);
    }

    @Test
    void benchTorchChecksTheTwinThenPrintsBothSpeeds() {
        Path data = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isRegularFile(data.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TorchPeerCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("--model", "flatten | linear(784,32) | lif | linear(32,10) | lif", "--batch-size", "16",
                "--batches", "2", "--rounds", "1");
        assertEquals(0, code, err.toString());
        String o = out.toString();
        assertTrue(o.matches("(?s).*same parameters, same batch: loss engine (\\d\\.\\d+), PyTorch \\1;.*"), o);
        assertTrue(o.contains("PyTorch 2.10 (libtorch, JavaCPP)") && o.contains("spark-snn engine"), o);
    }
}
