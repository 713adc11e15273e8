package io.github.sparksnn.train.optim;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW}: Adam with decoupled weight decay, {@code p *= 1 - lr * weight_decay}
 * before the Adam update, the gradient left untouched (see {@link AdamBase}). Defaults: beta1 0.9, beta2 0.999,
 * eps 1e-8, weight_decay 0.01.
 */
public final class AdamW extends AdamBase {

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps, weightDecay);
    }

    /** PyTorch's defaults. */
    public AdamW() {
        this(0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    boolean decoupled() {
        return true;
    }

    @Override
    public String name() {
        return "adamw";
    }
}
