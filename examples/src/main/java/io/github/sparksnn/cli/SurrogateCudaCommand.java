package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.SurrogateFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.regex.Pattern;

/** {@code snn surrogate cuda}: prints the CUDA statements computing {@code y = g'(x)}, framed as upstream's. */
@Command(name = "cuda",
        description = "Prints the CUDA C snippet that declares y = g'(x) from a variable x (as upstream's cuda_code).")
public final class SurrogateCudaCommand implements Runnable {
    private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Spec
    CommandSpec spec;

    @Mixin
    FunctionOptions function;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--dtype", required = true, paramLabel = "float|half2", converter = DtypeConverter.class,
            description = "Element type: float (fp32) or half2 (fp16, two packed halves).")
    CudaDtype dtype;

    @Option(names = "--x", paramLabel = "NAME", defaultValue = "x",
            description = "Name of the input variable, already declared (default: ${DEFAULT-VALUE}).")
    String x;

    @Option(names = "--y", paramLabel = "NAME", defaultValue = "y",
            description = "Name of the variable the snippet declares (default: ${DEFAULT-VALUE}).")
    String y;

    @Override
    public void run() {
        requireIdentifier("--x", x);
        requireIdentifier("--y", y);
        if (x.equals(y)) {
            throw Commands.usage(spec, "--x and --y must differ (the snippet declares y from x), both are '" + x + "'");
        }
        SurrogateFunction f = function.resolve();
        PrintWriter out = spec.commandLine().getOut();
        String code = f.cudaCode(x, y, dtype);
        out.print(code.endsWith("\n") ? code : code + "\n");
        out.flush();
    }

    private void requireIdentifier(String option, String value) {
        if (!C_IDENTIFIER.matcher(value).matches()) {
            throw Commands.usage(spec, option + " must be a C identifier, got '" + value + "'");
        }
    }

    /** Picocli converter through {@link CudaDtype#parse}, whose message lists the accepted names. */
    static final class DtypeConverter implements CommandLine.ITypeConverter<CudaDtype> {
        @Override
        public CudaDtype convert(String value) {
            try {
                return CudaDtype.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
