package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.Surrogates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.stream.Collectors;

/** {@code snn surrogate list}: every registered function with its parameters, their defaults and g'(x). */
@Command(name = "list",
        description = "Lists the surrogate functions, their parameters with defaults, and their gradient g'(x).")
public final class SurrogateListCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        TextTable table = new TextTable("NAME", "PARAMETERS (defaults)", "FORMULA");
        for (Surrogates.Descriptor d : Surrogates.list()) {
            table.row(d.name(), parameters(d.defaults()), d.formula() == null ? "" : d.formula());
        }
        spec.commandLine().getOut().print(table.render());
        spec.commandLine().getOut().flush();
    }

    static String parameters(Map<String, Double> defaults) {
        if (defaults.isEmpty()) {
            return "(none)";
        }
        return defaults.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
