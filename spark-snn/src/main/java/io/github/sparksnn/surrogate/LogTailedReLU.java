package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Log-tailed ReLU surrogate (upstream {@code LogTailedReLU}, Cai et al. 2017, half-wave Gaussian quantization).
 *
 * <pre>
 * g'(x) = alpha     if x &lt;= 0             g(x) = alpha x          if x &lt; 0
 *       = 1         if 0 &lt; x &lt;= 1              = x                if 0 &lt;= x &lt;= 1
 *       = 1/x       if x &gt; 1                  = ln(x) + 1        if x &gt; 1
 * </pre>
 * The middle piece is {@code 0 < x <= 1} (upstream's {@code 0 < x <= 0} is a typo); {@code ln(x) + 1} makes the
 * primitive continuous at 1. Default {@code alpha = 0}; any finite {@code alpha} (the slope for negative x). The
 * float forms are branch-light: {@code g = alpha min(x,0) + clamp(x,0,1) + ln(max(x,1))} and
 * {@code g' = p/max(x,1) + (1-p) alpha} with the min/max unit step {@code p = step(x)} (see {@link Select#step}),
 * so C2 vectorizes the bulk loops. A NaN input gives a NaN gradient (float and double).
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 8.2-8.6
 * (three runs; 1.7 against 0.21 ns per element): the formula's {@code where(x > 0, 1/max(x, 1), alpha)} has a piece
 * that depends on x, so it compiles to a bit-mask select, which C2 does not vectorize; the class's min/max step
 * does. The formula's accuracy held (0 ulps).
 */
public final class LogTailedReLU extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 0.0;

    private final double alpha;
    private final float aF;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public LogTailedReLU() {
        this(DEFAULT_ALPHA, true);
    }

    public LogTailedReLU(double alpha) {
        this(alpha, true);
    }

    public LogTailedReLU(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requireFinite("LogTailedReLU", "alpha", alpha);
        this.aF = toFloat("LogTailedReLU", "alpha", alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "LogTailedReLU";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {0, 1};
    }

    @Override
    public double primitive(double x) {
        if (x < 0) {
            return alpha * x;
        }
        if (x <= 1) {
            return x;
        }
        return Math.log(x) + 1;
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        if (x <= 0) {
            return alpha;
        }
        if (x <= 1) {
            return 1;
        }
        return 1 / x;
    }

    private static float g(float x, float a) {
        return a * Math.min(x, 0f) + Math.min(Math.max(x, 0f), 1f) + (float) Math.log(Math.max(x, 1f));
    }

    private static float dg(float x, float a) {
        float p = Select.step(x); // x > 0: 1, else 0, NaN for NaN; branch-free and vectorizable
        return p / Math.max(x, 1f) + (1f - p) * a; // x <= 0 ? a : 1/max(x, 1)
    }

    /** {@code dg} for the two-offset (scalar) loops: the same value, NaN included (see Select#stepScalar). */
    private static float dgScalar(float x, float a) {
        float p = Select.stepScalar(x); // x > 0: 1, else 0, NaN for NaN
        return p / Math.max(x, 1f) + (1f - p) * a; // x <= 0 ? a : 1/max(x, 1)
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], a);
            }
        }
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = aF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dgScalar(x[xOff + i], a);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = aF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dgScalar(x[xOff + i], a);
            }
        }
    }

    /**
     * Native in half2 too: {@code 1/max(x, 1)} never divides by zero, so the lane select
     * {@code m*alpha + (1-m)*tail} only ever multiplies finite values.
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(" + x + " <= 0.0f) ? " + s.c(alpha) + " : 1.0f / fmaxf(" + x + ", 1.0f)");
        }
        String m = s.let("m", "__hle2(" + x + ", " + s.c(0) + ")");
        String tail = s.let("tail", "__h2div(" + s.c(1) + ", __hmax2(" + x + ", " + s.c(1) + "))");
        return s.result(CudaSnippet.h2select(m, s.c(alpha), tail));
    }

    @Override
    public LogTailedReLU copy() {
        return new LogTailedReLU(alpha, isSpiking());
    }
}
