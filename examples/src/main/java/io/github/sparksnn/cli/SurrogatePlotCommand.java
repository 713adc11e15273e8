package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.SurrogateFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code snn surrogate plot}: upstream's figure (Heaviside, primitive, gradient on [-2, 2]) as PNG or SVG. */
@Command(name = "plot",
        description = "Plots the Heaviside step, the primitive g(x) and the gradient g'(x) on [-2, 2] to a .png or .svg file.")
public final class SurrogatePlotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FunctionOptions function;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--output", required = true, paramLabel = "FILE.png|FILE.svg",
            description = "Output file; its extension chooses the format.")
    Path output;

    @Option(names = "--width", paramLabel = "PX", defaultValue = "800", description = "Width in pixels (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", paramLabel = "PX", defaultValue = "600", description = "Height in pixels (default: ${DEFAULT-VALUE}).")
    int height;

    @Override
    public Integer call() throws Exception {
        try {
            SurrogatePlot.formatOf(output);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        if (width < 100 || width > 10000 || height < 100 || height > 10000) {
            throw Commands.usage(spec, "--width and --height must be between 100 and 10000 pixels, got " + width + "x" + height);
        }
        SurrogateFunction f = function.resolve();
        SurrogatePlot.save(SurrogatePlot.chart(f, width, height), output);
        spec.commandLine().getOut().println("wrote " + output);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
