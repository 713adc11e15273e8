package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.GradientChecker;
import io.github.sparksnn.surrogate.SurrogateFunction;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.regex.Pattern;

/**
 * The values of a surrogate function at a list of inputs, as CSV: {@code x,spike,primitive,gradient}.
 *
 * <p>Everything is computed in float32, as the training loops do: {@code spike = H(x)} (the Heaviside step,
 * {@code H(0) = 1}), {@code primitive = g(x)} and {@code gradient = g'(x)} through the function's float methods.
 * Numbers are printed with {@link Float#toString(float)}: the shortest decimal that parses back to the same
 * float, and independent of the default locale.
 */
public final class SurrogateTable {
    /** The CSV header, exactly. */
    public static final String HEADER = "x,spike,primitive,gradient";

    /**
     * The default grid: the gradient checker's, which is upstream's {@code torch.arange(-2, 2, 32/8192)}:
     * {@code x = -2 + i/256} for {@code i = 0..1023} (1024 points, 2 excluded; all exact in float).
     */
    public static final double GRID_MIN = GradientChecker.FROM;
    public static final double GRID_MAX = GradientChecker.TO;
    public static final double GRID_STEP = GradientChecker.STEP;

    /** A plain decimal number (optional sign, digits, fraction, exponent); no hex, NaN, Infinity or f/d suffix. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private SurrogateTable() {
    }

    /** {@code GRID_MIN + i * GRID_STEP < GRID_MAX}: the checker's 1024 points. */
    public static float[] defaultGrid() {
        int n = (int) Math.ceil((GRID_MAX - GRID_MIN) / GRID_STEP);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (GRID_MIN + i * GRID_STEP);
        }
        return x;
    }

    /**
     * Reads one x per line. Blank (whitespace-only) lines are skipped, so a trailing empty line is harmless;
     * surrounding whitespace is ignored. Anything else that is not a finite decimal number is an error naming
     * {@code source} and the 1-based line number. An input without any number is an error too.
     */
    public static float[] readInputs(BufferedReader in, String source) throws IOException {
        float[] x = new float[1024];
        int n = 0;
        int lineNo = 0;
        for (String line; (line = readLine(in, source, lineNo + 1)) != null; ) {
            lineNo++;
            String s = line.strip();
            if (lineNo == 1 && !s.isEmpty() && s.charAt(0) == '\uFEFF') {
                s = s.substring(1).strip(); // a UTF-8 byte-order mark from some editors
            }
            if (s.isEmpty()) {
                continue;
            }
            if (!DECIMAL.matcher(s).matches()) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": '" + abbreviate(s)
                        + "' is not a number (expected one decimal x per line)");
            }
            float v = Float.parseFloat(s);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": " + s + " overflows float32");
            }
            if (n == x.length) {
                x = java.util.Arrays.copyOf(x, n * 2);
            }
            x[n++] = v;
        }
        if (n == 0) {
            throw new IllegalArgumentException(source + " holds no input values (expected one decimal x per line)");
        }
        return java.util.Arrays.copyOf(x, n);
    }

    /** Writes the header and one row per input, in order. */
    public static void write(SurrogateFunction f, float[] xs, Writer out) {
        try {
            StringBuilder sb = new StringBuilder(64);
            out.write(HEADER);
            out.write('\n');
            // a gradient-only Formula has no primitive: the column stays empty, as upstream's CSV where it defines none
            boolean hasPrimitive = !(f instanceof io.github.sparksnn.surrogate.Formula formula) || formula.hasPrimitive();
            for (float x : xs) {
                sb.setLength(0);
                sb.append(Float.toString(x)).append(',')
                        .append(Float.toString(SurrogateFunction.heaviside(x))).append(',')
                        .append(hasPrimitive ? Float.toString(f.primitive(x)) : "").append(',')
                        .append(Float.toString(f.gradient(x))).append('\n');
                out.write(sb.toString());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLine(BufferedReader in, String source, int lineNo) throws IOException {
        try {
            return in.readLine();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(source + " line " + lineNo + ": not UTF-8 text");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
