package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.SurrogateFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code snn surrogate table}: the function's float32 values at given inputs, as CSV. */
@Command(name = "table",
        description = {
                "Prints x,spike,primitive,gradient (float32, round-trip decimals) for each input x, in order.",
                "Input: one decimal x per line; blank lines are skipped; any other line that is not a number is an"
                        + " error naming its line number. Without --input: the gradient checker's grid, x = -2 + i/256 for"
                        + " i = 0..1023 (1024 rows, upstream's torch.arange(-2, 2, 32/8192))."
        })
public final class SurrogateTableCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FunctionOptions function;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--input", paramLabel = "FILE", description = "File of inputs, one x per line ('-' = stdin).")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "CSV file to write (default or '-': stdout).")
    Path output;

    @Override
    public Integer call() throws Exception {
        SurrogateFunction f = function.resolve();
        float[] xs;
        if (input == null) {
            xs = SurrogateTable.defaultGrid();
        } else if (input.toString().equals("-")) {
            xs = SurrogateTable.readInputs(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), "stdin");
        } else {
            if (Files.isDirectory(input)) {
                throw new IllegalArgumentException("--input " + input + " is a directory, expected a file of numbers");
            }
            try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                xs = SurrogateTable.readInputs(in, input.toString());
            }
        }
        if (output == null || output.toString().equals("-")) {
            SurrogateTable.write(f, xs, spec.commandLine().getOut());
        } else {
            if (Files.isDirectory(output)) {
                throw new IllegalArgumentException("--output " + output + " is a directory, expected a file name");
            }
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Writer out = new BufferedWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
                SurrogateTable.write(f, xs, out);
            }
        }
        return 0;
    }
}
