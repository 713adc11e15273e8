package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fused ops of the CNN's step, each beside the interface composition it replaces (what the CUDA backend ran
 * before its fused kernels), on shared tensors: what {@link DeviceReport} times. The compositions are written out here
 * because the backend overrides the interface's defaults; {@code addTransposed}'s is the default's host round trip.
 */
final class FusedCases implements AutoCloseable {
    /** One op: its name, the fused call, the composed calls it replaces, and what both write that callers read. */
    record Case(String name, Runnable fused, Runnable composed, List<Tensor> outputs) {
    }

    private final List<Tensor> tensors = new ArrayList<>();
    private final List<float[]> initial = new ArrayList<>();
    private final CudaBackend be;
    final List<Case> cases = new ArrayList<>();

    private final List<Integer> sizes = new ArrayList<>();

    private Tensor alloc(int n) {
        Tensor t = be.alloc(n);
        tensors.add(t);
        sizes.add(n);
        return t;
    }

    /** {@code t} steps of {@code n} neurons (a multiple of 256: planes of 16 x 16, pooled 2 x 2). */
    FusedCases(CudaBackend be, int t, int n) {
        this.be = be;
        int tn = t * n, side = 16, planes = tn / (side * side), out = tn / 4;
        NeuronOp op = new NeuronOp(true, true, 0.5f, 1f, 0f, Surrogates.create("ATan", Map.of()), false);
        Tensor x = alloc(n), xt = alloc(tn), h = alloc(tn), s = alloc(tn), v = alloc(n);
        Tensor dS = alloc(tn), dXt = alloc(tn), dX = alloc(n), y = alloc(out), arg = alloc(out), dy = alloc(out);
        be.upload(DeviceReport.images(n, 7), 0, x, 0, n);
        be.upload(DeviceReport.images(tn, 8), 0, dS, 0, tn);
        be.upload(DeviceReport.images(out, 9), 0, dy, 0, out);
        be.neuronForwardMaxPool(op, t, n, x, true, xt, h, s, v, side, side, 2, 2, y, arg); // valid h, s, argmax
        cases.add(new Case("neuronForwardStatic", () -> be.neuronForwardStatic(op, t, n, x, xt, h, s, v), () -> {
            be.repeat(x, n, t, xt);
            be.neuronForward(op, t, n, xt, h, s, v);
        }, List.of(h, s, v)));
        cases.add(new Case("neuronBackwardStatic", () -> be.neuronBackwardStatic(op, t, n, dS, h, s, dXt, dX), () -> {
            be.neuronBackward(op, t, n, dS, h, s, null, dXt, false);
            be.sumOverTime(dXt, n, t, dX);
        }, List.of(dX)));
        cases.add(new Case("neuronForwardMaxPool (static input)",
                () -> be.neuronForwardMaxPool(op, t, n, x, true, xt, h, s, v, side, side, 2, 2, y, arg), () -> {
                    be.repeat(x, n, t, xt);
                    be.neuronForward(op, t, n, xt, h, s, v);
                    be.maxPoolForward(s, planes, side, side, 2, 2, y, arg);
                }, List.of(h, s, v, y, arg)));
        cases.add(new Case("neuronBackwardMaxPool (static input)",
                () -> be.neuronBackwardMaxPool(op, t, n, dy, arg, side, side, 2, 2, dS, h, s, true, dXt, dX), () -> {
                    be.maxPoolBackward(dy, arg, planes, side, side, 2, 2, dS);
                    be.neuronBackward(op, t, n, dS, h, s, null, dXt, false);
                    be.sumOverTime(dXt, n, t, dX);
                }, List.of(dX)));
        // the CNN's second convolution's input gradient, one image: 32 channels of 14 x 14, 3 x 3, padding 1
        int c = 32, hw = 14, k = 3, cols = c * k * k * hw * hw;
        Tensor col = alloc(cols), img = alloc(c * hw * hw);
        be.upload(DeviceReport.images(cols, 10), 0, col, 0, cols);
        cases.add(new Case("col2imSet (32 x 14 x 14, 3 x 3)",
                () -> be.col2imSet(col, 0, c, hw, hw, k, k, 1, 1, 1, 1, img, 0), () -> {
                    be.fill(img, 0, c * hw * hw, 0f);
                    be.col2im(col, 0, c, hw, hw, k, k, 1, 1, 1, 1, img, 0);
                }, List.of(img)));
        // the same convolution's weight gradient, accumulated transposed: [C k k, C_out] onto [C_out, C k k]
        int rows = c * k * k, outC = 32;
        Tensor wT = alloc(rows * outC), grads = alloc(rows * outC);
        be.upload(DeviceReport.images(rows * outC, 11), 0, wT, 0, rows * outC);
        cases.add(new Case("addTransposed (288 x 32)", () -> be.addTransposed(wT, rows, outC, grads, 0), () -> {
            float[] a = new float[rows * outC], b = new float[rows * outC];   // the interface default: via the host
            be.download(wT, 0, a, 0, a.length);
            be.download(grads, 0, b, 0, b.length);
            for (int r = 0; r < rows; r++) {
                for (int cc = 0; cc < outC; cc++) {
                    b[cc * rows + r] += a[r * outC + cc];
                }
            }
            be.upload(b, 0, grads, 0, b.length);
        }, List.of(grads)));
        for (Tensor tt : tensors) {
            initial.add(values(tt));
        }
    }

    private float[] values(Tensor tt) {
        float[] a = new float[sizes.get(tensors.indexOf(tt))];
        be.download(tt, 0, a, 0, a.length);
        return a;
    }

    /**
     * Every tensor back to its state after construction, then {@code call}, then the outputs of the case it belongs
     * to, concatenated (tests: a fused call and its composition write the same bits).
     */
    float[] run(Case c, Runnable call) {
        for (int i = 0; i < tensors.size(); i++) {
            be.upload(initial.get(i), 0, tensors.get(i), 0, initial.get(i).length);
        }
        call.run();
        List<float[]> parts = new ArrayList<>();
        int len = 0;
        for (Tensor tt : c.outputs()) {
            parts.add(values(tt));
            len += parts.get(parts.size() - 1).length;
        }
        float[] out = new float[len];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Override
    public void close() {
        for (Tensor t : tensors) {
            t.close();
        }
    }
}
