package io.github.sparksnn.examples;

import io.github.sparksnn.ml.SpikingNetworkClassifier;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's table of the classifier's Params lists every Param with its actual default, and nothing else. */
class ReadmeParamsTest {

    @Test
    void readmeTableMatchesTheClassifiersParams() throws Exception {
        SpikingNetworkClassifier c = new SpikingNetworkClassifier();
        Map<String, String> expected = new LinkedHashMap<>();
        for (Param<?> p : c.params()) {
            expected.put(p.name(), c.getDefault(p).isDefined() ? show(c.getDefault(p).get()) : "(none)");
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| `(\\w+)` \\| (.+?) \\| .+\\|\\s*$").matcher(readme);
        while (m.find()) {
            documented.put(m.group(1), m.group(2).strip().replace("\\|", "|"));
        }
        StringBuilder table = new StringBuilder();
        expected.forEach((k, v) -> table.append("| `").append(k).append("` | ").append(v).append(" | ")
                .append(c.getParam(k).doc()).append(" |\n"));
        assertEquals(expected, documented, "README Params table; expected rows:\n" + table);
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
