package io.github.sparksnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's neuron table lists every neuron kind of the spec, and for each its own arguments with their actual
 * defaults in positional order; the sentence above it names the common tail the same way.
 */
class ReadmeNeuronsTest {
    static final int TAIL = 4;

    static String formatted(ParamDef p) {
        LayerSpec def = new LayerSpec(LayerKind.IF, Map.of());
        Object v = p.defaultValue();
        if (p.type() == ParamType.SURROGATE) {
            return p.name() + "=" + SurrogateFactory.format(def.getSurrogate("surrogate"));
        }
        return p.name() + "=" + (v == null ? "none" : String.valueOf(v));
    }

    /** The README's section under {@code ### heading}, up to the next {@code ###}. */
    static String section(String heading) throws java.io.IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("### " + heading + "\n");
        assertTrue(at >= 0, "README section ### " + heading);
        return readme.substring(at, readme.indexOf("\n### ", at + 1));
    }

    /** A section's table rows whose first cell is code: that name to the second cell, backticks dropped. */
    static Map<String, String> codeRows(String section) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                rows.put(cells[1].trim().replace("`", ""), cells[2].trim().replace("`", ""));
            }
        }
        return rows;
    }

    @Test
    void theNeuronTableMatchesTheSpecLanguage() throws Exception {
        String section = section("Neurons");
        Map<String, String> rows = codeRows(section);
        List<String> expectedKinds = new ArrayList<>();
        for (LayerKind k : LayerKind.values()) {
            if (!k.isNeuron()) {
                continue;
            }
            expectedKinds.add(k.specName());
            List<ParamDef> ps = k.params();
            List<String> own = new ArrayList<>();
            for (ParamDef p : ps.subList(0, ps.size() - TAIL)) {
                own.add(formatted(p));
            }
            assertEquals(String.join(", ", own), rows.get(k.specName()), "README row of " + k.specName());
            List<String> tail = new ArrayList<>();
            for (ParamDef p : ps.subList(ps.size() - TAIL, ps.size())) {
                tail.add(formatted(p));
            }
            assertTrue(section.replace("\n", " ").contains("`" + String.join(", ", tail) + "`"),
                    "the common tail of " + k.specName() + ": " + tail);
        }
        assertEquals(expectedKinds, new ArrayList<>(rows.keySet()), "neuron kinds in the README table, in order");
    }
}
