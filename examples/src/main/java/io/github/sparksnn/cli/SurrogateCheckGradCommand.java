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
 * {@code snn surrogate check-grad}: runs {@link GradientChecker} on the function (its analytic gradient against
 * the derivative of its primitive) and fails with exit code {@value SnnCli#EXIT_CHECK_FAILED} when the largest
 * absolute error is above the tolerance.
 */
@Command(name = "check-grad", mixinStandardHelpOptions = true,
        description = "Checks the function's gradient g'(x) against the derivative of its primitive g(x);"
                + " exits with 3 when the largest absolute error exceeds --tolerance.")
public final class SurrogateCheckGradCommand implements Callable<Integer> {
    /** Default tolerance on the largest absolute error reported by the checker. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    @Spec
    CommandSpec spec;

    @Mixin
    FunctionOptions function;

    @Option(names = "--tolerance", paramLabel = "EPS", defaultValue = "" + DEFAULT_TOLERANCE,
            description = "Largest accepted absolute error (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw Commands.usage(spec, "--tolerance must be a finite number >= 0, got " + tolerance);
        }
        SurrogateFunction f = function.resolve();
        GradientChecker.Report r = GradientChecker.check(f);
        boolean pass = r.maxAbsError() <= tolerance; // false for NaN, which must fail
        PrintWriter out = spec.commandLine().getOut();
        out.print(new TextTable("FUNCTION", "POINTS", "MAX_ABS_ERROR", "AT_X", "TOLERANCE", "RESULT")
                .row(r.function(), r.points(), sci(r.maxAbsError()), r.atX(), sci(tolerance), pass ? "PASS" : "FAIL")
                .render());
        out.flush();
        if (!pass) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + r.function() + ": max abs error " + sci(r.maxAbsError())
                    + " at x=" + r.atX() + " exceeds tolerance " + sci(tolerance));
            err.flush();
            return SnnCli.EXIT_CHECK_FAILED;
        }
        return 0;
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
