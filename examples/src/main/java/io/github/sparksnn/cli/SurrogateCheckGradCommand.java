package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.GradientChecker;
import io.github.sparksnn.surrogate.SurrogateFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn surrogate check-grad}: the {@link GradientChecker}'s two reports on the function, as a table.
 *
 * <ul>
 *   <li>{@code float64 g' vs central difference of g}: {@link GradientChecker#check} (upstream's
 *       {@code check_manual_grad}), judged at {@code --tolerance};</li>
 *   <li>{@code float32 bulk g' vs float64 g'}: {@link GradientChecker#checkFloat}, the code path training uses,
 *       judged at {@code --float-tolerance}.</li>
 * </ul>
 * Exit code {@value SnnCli#EXIT_CHECK_FAILED} (and one line on stderr) when either is over its tolerance.
 */
@Command(name = "check-grad",
        description = {
                "Checks the function's gradient g'(x) against the central difference of its primitive g(x) (float64),"
                        + " and its float32 bulk gradient against the float64 one, on x = -2 + i/256, i = 0..1023"
                        + " (points next to a kink are skipped).",
                "Exits with 3 when an error exceeds its tolerance."
        })
public final class SurrogateCheckGradCommand implements Callable<Integer> {
    /** Default tolerance of the float32-vs-float64 check: a few ulps of gradients of order 1. */
    public static final double DEFAULT_FLOAT_TOLERANCE = 1e-5;

    @Spec
    CommandSpec spec;

    @Mixin
    FunctionOptions function;

    @Option(names = "--tolerance", paramLabel = "EPS", defaultValue = "" + GradientChecker.DEFAULT_TOLERANCE,
            description = "Largest accepted absolute error of g' against the central difference (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--float-tolerance", paramLabel = "EPS", defaultValue = "" + DEFAULT_FLOAT_TOLERANCE,
            description = "Largest accepted absolute error of the float32 bulk g' against float64"
                    + " (default: ${DEFAULT-VALUE}; raise it for parameters that make g' large).")
    double floatTolerance;

    @Override
    public Integer call() {
        requireTolerance("--tolerance", tolerance);
        requireTolerance("--float-tolerance", floatTolerance);
        SurrogateFunction f = function.resolve();
        if (f instanceof io.github.sparksnn.surrogate.Formula formula && !formula.hasPrimitive()) {
            throw Commands.usage(spec, "this Formula has only a gradient, and check-grad compares the gradient with"
                    + " the slope of the primitive: give the primitive too, Formula(primitive='...', gradient='...',"
                    + " ...) (the two are then checked against each other), or only the primitive (the gradient is"
                    + " derived from it)");
        }
        GradientChecker.Report exact = GradientChecker.check(f);
        GradientChecker.Report single = GradientChecker.checkFloat(f);
        boolean exactPass = exact.passed(tolerance);
        boolean singlePass = single.passed(floatTolerance);

        PrintWriter out = spec.commandLine().getOut();
        out.println(exact.function());
        out.print(new TextTable("CHECK", "POINTS", "MAX_ABS_ERROR", "AT_X", "TOLERANCE", "RESULT")
                .row("float64 g' vs central difference of g", exact.points(), sci(exact.maxAbsError()), exact.atX(),
                        sci(tolerance), exactPass ? "PASS" : "FAIL")
                .row("float32 bulk g' vs float64 g'", single.points(), sci(single.maxAbsError()), single.atX(),
                        sci(floatTolerance), singlePass ? "PASS" : "FAIL")
                .render());
        out.flush();
        if (exactPass && singlePass) {
            return 0;
        }
        GradientChecker.Report bad = exactPass ? single : exact;
        double tol = exactPass ? floatTolerance : tolerance;
        String which = exactPass ? "float32 bulk gradient" : "gradient";
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": " + bad.function() + ": " + which + " max abs error " + sci(bad.maxAbsError())
                + " at x=" + bad.atX() + " exceeds tolerance " + sci(tol)
                + (bad.points() == 0 ? " (no point compared)" : ""));
        err.flush();
        return SnnCli.EXIT_CHECK_FAILED;
    }

    private void requireTolerance(String option, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw Commands.usage(spec, option + " must be a finite number >= 0, got " + v);
        }
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
