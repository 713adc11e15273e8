package io.github.sparksnn.surrogate;

/**
 * Checks a hand-written surrogate gradient against its primitive, like upstream's {@code check_manual_grad}.
 *
 * <p>{@link #check(SurrogateFunction)} evaluates, on upstream's grid {@code x = -2 + i * 32/8192}
 * ({@code torch.arange(-2, 2, 32/8192)}: 1024 points, 2 excluded), the largest
 * {@code |g'(x) - (g(x+h) - g(x-h)) / 2h|} with {@code h = }{@link #H} in double. Points closer than {@code 2h}
 * to one of {@link SurrogateFunction#kinks()} are skipped: there the difference quotient straddles two pieces
 * (and either side's value is accepted anyway). The truncation error is {@code h^2/6 |g'''|} and the rounding
 * error about {@code 1e-16 |g| / h}, both far below {@link #DEFAULT_TOLERANCE} for sane parameters.
 *
 * <p>{@link #checkFloat(SurrogateFunction)} compares the float bulk gradient with the double gradient on the
 * same grid (same kink rule): it catches float code paths that drift from the reference.
 */
public final class GradientChecker {
    /** Upstream's grid start. */
    public static final double FROM = -2;
    /** Upstream's grid end (exclusive). */
    public static final double TO = 2;
    /** Upstream's step {@code 32/8192 = 0.00390625}. */
    public static final double STEP = 32.0 / 8192;
    /** Central-difference half-width. */
    public static final double H = 1e-6;
    /** The absolute error below which {@link Report#passed()} holds. */
    public static final double DEFAULT_TOLERANCE = 1e-6;

    /**
     * The result of one check: the function's {@code toString()}, the largest absolute error (NaN or infinite
     * values count as infinite error), where it occurred ({@code NaN} if no point was compared), and how many grid
     * points were compared.
     */
    public record Report(String function, double maxAbsError, double atX, int points) {
        /** Whether at least one point was compared and {@code maxAbsError <= tolerance}. */
        public boolean passed(double tolerance) {
            return points > 0 && maxAbsError <= tolerance;
        }

        /** {@link #passed(double)} at {@link GradientChecker#DEFAULT_TOLERANCE}. */
        public boolean passed() {
            return passed(DEFAULT_TOLERANCE);
        }
    }

    private GradientChecker() {
    }

    /** The double-precision check on upstream's grid. */
    public static Report check(SurrogateFunction f) {
        return check(f, FROM, TO, STEP);
    }

    /** The double-precision check on {@code x = from + i * step < to}. */
    public static Report check(SurrogateFunction f, double from, double to, double step) {
        int n = gridSize(from, to, step);
        double[] kinks = f.kinks();
        Worst worst = new Worst();
        for (int i = 0; i < n; i++) {
            double x = from + i * step;
            if (nearKink(x, kinks, 2 * H)) {
                continue;
            }
            double numeric = (f.primitive(x + H) - f.primitive(x - H)) / (2 * H);
            worst.add(Math.abs(f.gradient(x) - numeric), x);
        }
        return worst.report(f);
    }

    /** The float check on upstream's grid. */
    public static Report checkFloat(SurrogateFunction f) {
        return checkFloat(f, FROM, TO, STEP);
    }

    /**
     * Compares the float bulk gradient {@link SurrogateFunction#gradient(float[], int, float[], int, int)} at
     * {@code (float) x} with the double gradient at the same (float-representable) point.
     */
    public static Report checkFloat(SurrogateFunction f, double from, double to, double step) {
        int n = gridSize(from, to, step);
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = (float) (from + i * step);
        }
        float[] g = new float[n];
        f.gradient(xs, 0, g, 0, n);
        double[] kinks = f.kinks();
        Worst worst = new Worst();
        for (int i = 0; i < n; i++) {
            double x = xs[i];
            if (nearKink(x, kinks, Math.max(2 * H, 1e-6 * Math.abs(x)))) {
                continue;
            }
            worst.add(Math.abs(g[i] - f.gradient(x)), x);
        }
        return worst.report(f);
    }

    /** The largest error over the checked points and where it is; a NaN error counts as infinite. */
    private static final class Worst {
        private double worst = -1;
        private double at = Double.NaN;
        private int points;

        void add(double err, double x) {
            if (Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            points++;
            if (err > worst) {
                worst = err;
                at = x;
            }
        }

        Report report(SurrogateFunction f) {
            return new Report(f.toString(), points == 0 ? 0 : worst, at, points);
        }
    }

    private static int gridSize(double from, double to, double step) {
        if (!Double.isFinite(from) || !Double.isFinite(to) || !Double.isFinite(step) || !(step > 0) || !(to > from)) {
            throw new IllegalArgumentException("GradientChecker: need finite from < to and step > 0, got from=" + from
                    + ", to=" + to + ", step=" + step);
        }
        double count = Math.ceil((to - from) / step);
        if (count > 100_000_000) {
            throw new IllegalArgumentException("GradientChecker: grid of " + count + " points is too large");
        }
        return (int) count;
    }

    private static boolean nearKink(double x, double[] kinks, double radius) {
        for (double k : kinks) {
            if (Math.abs(x - k) < radius) {
                return true;
            }
        }
        return false;
    }
}
