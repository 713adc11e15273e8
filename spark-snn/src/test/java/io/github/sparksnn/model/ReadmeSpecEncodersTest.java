package io.github.sparksnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's table of spec encoder layers lists every encoder kind with its arguments (required ones bare, optional
 * ones with their actual defaults) in positional order, and the errors it quotes are the ones the code gives.
 */
class ReadmeSpecEncodersTest {

    @Test
    void theEncoderLayerTableAndItsErrorsMatchTheCode() throws Exception {
        String section = ReadmeNeuronsTest.section("Temporal encoders");
        Map<String, String> rows = ReadmeNeuronsTest.codeRows(section);
        List<String> kinds = new ArrayList<>();
        for (LayerKind k : LayerKind.values()) {
            if (!k.isEncoder()) {
                continue;
            }
            kinds.add(k.specName());
            List<String> args = new ArrayList<>();
            for (ParamDef p : k.params()) {
                args.add(p.required() ? p.name() : p.name() + "=" + p.defaultValue());
            }
            assertEquals(String.join(", ", args), rows.get(k.specName()), "README row of " + k.specName());
        }
        assertEquals(kinds, new ArrayList<>(rows.keySet()), "encoder layers in the README table, in order");

        String prose = section.replace("\n", " ");
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("linear(4, 4) | lif | population(3)").buildLayers(new int[]{4}));
        assertTrue(prose.contains("`" + order.getMessage() + "`"), order.getMessage());
        IllegalArgumentException threshold = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("delta(threshold=0)"));
        String quoted = "delta: threshold must be a finite number > 0, got 0.0"; // the parser adds where it stands
        assertTrue(threshold.getMessage().contains(quoted) && prose.contains("`" + quoted + "`"),
                threshold.getMessage());
        for (String spec : new String[] {"population(8, min=18.0, max=90.0) | linear(16, 32) | lif | linear(32, 2) | lif",
                "delta | linear(56, 256) | rlif | linear(256, 10) | lif"}) {
            assertTrue(prose.contains("`" + spec + "`"), spec);
        }
        ModelSpec.parse("population(8, min=18.0, max=90.0) | linear(16, 32) | lif | linear(32, 2) | lif")
                .buildLayers(new int[]{2});
        ModelSpec.parse("delta | linear(56, 256) | rlif | linear(256, 10) | lif").buildLayers(new int[]{28});
    }
}
