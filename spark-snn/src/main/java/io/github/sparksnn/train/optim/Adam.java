package io.github.sparksnn.train.optim;

/**
 * Adam as PyTorch's {@code torch.optim.Adam} (amsgrad off): bias-corrected moments, {@code eps} outside the square
 * root, {@code weight_decay} as an L2 term added to the gradient (see {@link AdamBase} for the formula).
 * Defaults: beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0.
 */
public final class Adam extends AdamBase {

    public Adam(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps, weightDecay);
    }

    /** PyTorch's defaults. */
    public Adam() {
        this(0.9, 0.999, 1e-8, 0);
    }

    @Override
    boolean decoupled() {
        return false;
    }

    @Override
    public String name() {
        return "adam";
    }
}
