package io.github.sparksnn.examples;

import io.github.sparksnn.ml.DeltaEncoder;
import io.github.sparksnn.ml.LatencyEncoder;
import io.github.sparksnn.ml.PopulationEncoder;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Params tables list every Param of their stage with its actual default, and nothing else: the
 * classifier's under "The classifier's Params", each temporal encoder's under its own heading in "The encoders'
 * Params".
 */
class ReadmeParamsTest {
    static final Pattern ROW = Pattern.compile("(?m)^\\| `(\\w+)` \\| (.+?) \\| .+\\|\\s*$");

    @Test
    void readmeTableMatchesTheClassifiersParams() throws Exception {
        checkTable("## The classifier's Params", new SpikingNetworkClassifier());
    }

    @Test
    void readmeTablesMatchTheEncodersParams() throws Exception {
        checkTable("### `LatencyEncoder`", new LatencyEncoder());
        checkTable("### `DeltaEncoder`", new DeltaEncoder());
        checkTable("### `PopulationEncoder`", new PopulationEncoder());
    }

    @Test
    void readmeTableMatchesTheStreamsParams() throws Exception {
        checkTable("### The stream's Params", new io.github.sparksnn.ml.stream.SpikingStream());
    }

    /** The rows of the first table after the line {@code heading}, against {@code stage}'s Params and defaults. */
    static void checkTable(String heading, Params stage) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("\n" + heading + "\n");
        assertTrue(at >= 0, "README heading " + heading);
        String[] lines = readme.substring(at + heading.length() + 2).split("\n", -1);
        StringBuilder tableText = new StringBuilder();
        boolean inTable = false;
        for (String line : lines) {
            if (line.startsWith("|")) {
                inTable = true;
                tableText.append(line).append('\n');
            } else if (inTable || line.startsWith("#")) {
                break;
            }
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (Param<?> p : stage.params()) {
            expected.put(p.name(), stage.getDefault(p).isDefined() ? show(stage.getDefault(p).get()) : "(none)");
        }
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = ROW.matcher(tableText);
        while (m.find()) {
            documented.put(m.group(1), m.group(2).strip().replace("\\|", "|"));
        }
        StringBuilder table = new StringBuilder();
        expected.forEach((k, v) -> table.append("| `").append(k).append("` | ").append(v).append(" | ")
                .append(stage.getParam(k).doc()).append(" |\n"));
        assertEquals(expected, documented, "README Params table under " + heading + "; expected rows:\n" + table);
    }

    static String show(Object v) {
        if (v instanceof int[] a) {
            return "`" + Arrays.toString(a) + "`";
        }
        if (v instanceof String s) {
            return s.isEmpty() ? "`\"\"`" : "`" + s + "`";
        }
        return "`" + v + "`";
    }

    @Test
    void readmeCnnSpecBuildsForFashionMnist() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("--model '(conv2d[^']+)'").matcher(readme);
        org.junit.jupiter.api.Assertions.assertTrue(m.find(), "the CNN command in the README");
        SpikingNetworkClassifier c = new SpikingNetworkClassifier().setModelSpec(m.group(1))
                .setInputShape(new int[]{1, 28, 28});
        io.github.sparksnn.train.EngineConfig cfg = c.engineConfig();
        assertEquals(784, cfg.featureSize());
        assertEquals(10, cfg.numClasses());
    }
}
