package io.github.sparksnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.ATan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelSpecTest {
    static final String MLP = "flatten | linear(784,512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512,10) | lif(tau=2.0)";

    @ParameterizedTest
    @ValueSource(strings = {
            MLP,
            "conv2d(1, 128, 3, padding=1, bias=false) | batchnorm2d(128) | if | maxpool2d(2) | flatten | dropout(0.2) | linear(25088, 10) | if",
            "linear(10, 4, bias=false) | plif(init_tau=3.0, decay_input=false, v_reset=none, detach_reset=true) | avgpool2d(2, stride=1)",
            "lif(v_threshold=0.5, v_reset=-0.1, surrogate=Sigmoid(alpha=4.0, spiking=false)) | batchnorm1d(5, eps=0.001, momentum=0.2)",
            "if(surrogate=ATan(alpha=1e-3))",
            "lif(surrogate=S2NN(alpha=3, beta=0.5)) | plif(surrogate=piecewise_leaky_relu(w=0.5)) | if(surrogate=atan)",
    })
    void toStringParsesBackToAnEqualSpec(String text) {
        ModelSpec s = ModelSpec.parse(text);
        ModelSpec back = ModelSpec.parse(s.toString());
        assertEquals(s, back);
        assertEquals(s.hashCode(), back.hashCode());
        assertEquals(s.toString(), back.toString());
    }

    @Test
    void withSpikingModeSwitchesEverySurrogateAndLeavesTheOriginalAlone() {
        ModelSpec spiking = ModelSpec.parse("flatten | linear(4, 3) | lif(surrogate=ATan(alpha=3.0)) | linear(3, 2) "
                + "| if | plif(init_tau=3.0, surrogate=Sigmoid(alpha=2.0))");
        ModelSpec smooth = spiking.withSpikingMode(false);
        int neurons = 0;
        for (int i = 0; i < smooth.layers().size(); i++) {
            LayerSpec l = smooth.layers().get(i);
            if (l.arguments().containsKey("surrogate")) {
                neurons++;
                assertTrue(!l.getSurrogate("surrogate").isSpiking(), "smooth: " + l);
                assertTrue(spiking.layers().get(i).getSurrogate("surrogate").isSpiking(), "original untouched: " + l);
                // same function and parameters, only the mode differs
                assertEquals(spiking.layers().get(i).getSurrogate("surrogate").parameters(),
                        l.getSurrogate("surrogate").parameters());
            } else {
                assertEquals(spiking.layers().get(i), l);
            }
        }
        assertEquals(3, neurons);
        assertTrue(smooth.toString().contains("spiking=false"), smooth.toString());
        assertEquals(smooth, ModelSpec.parse(smooth.toString()), "the text form round-trips");
        assertEquals(spiking, smooth.withSpikingMode(true));
    }

    @Test
    void canonicalFormNormalizesDefaultsAndSpelling() {
        ModelSpec a = ModelSpec.parse(MLP);
        assertEquals("flatten | linear(784, 512) | lif(surrogate=ATan(alpha=2.0)) | linear(784, 512)".substring(0, 10),
                a.toString().substring(0, 10));
        assertEquals("flatten | linear(784, 512) | lif(surrogate=ATan(alpha=2.0)) | linear(512, 10) | lif", a.toString());
        assertEquals(a, ModelSpec.parse("FLATTEN|linear(in_features=784, out_features=512, bias=true)|"
                + "lif(2, true, 1, 0, ATan(), false)|linear(512, 10)|lif(surrogate=Sigmoid(alpha=4))"));
        assertNotEquals(a, ModelSpec.parse(MLP.replace("lif(tau=2.0)", "lif(tau=2.5)")));
        assertNotEquals(a, ModelSpec.parse(MLP.replace("lif(tau=2.0)", "lif(v_reset=none)")));
        LayerSpec lif = a.layers().get(2);
        assertEquals(2.0, lif.getDouble("tau"));
        assertEquals(0.0, lif.getNullableDouble("v_reset"));
        assertEquals(new ATan(2.0), lif.getSurrogate("surrogate"));
        assertEquals(null, ModelSpec.parse("if(v_reset=none)").layers().get(0).getNullableDouble("v_reset"));
        assertEquals(2, ModelSpec.parse("maxpool2d(2)").layers().get(0).getInt("stride"));
    }

    @Test
    void builderMatchesParsedText() {
        ModelSpec b = ModelSpec.builder().flatten().linear(784, 512).lif(2.0, new ATan(2.0)).linear(512, 10).lif(2.0).build();
        assertEquals(ModelSpec.parse(MLP), b);
        ModelSpec c = ModelSpec.builder().conv2d(1, 8, 3, 1, 1, false).batchNorm2d(8).ifNode().maxPool2d(2).flatten()
                .dropout(0.1).linear(8 * 14 * 14, 10).plif(2.0).build();
        assertEquals(c, ModelSpec.parse(c.toString()));
        assertArrayEquals(new int[]{10}, c.outputShape(new int[]{1, 28, 28}));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "flatten | linaer(784, 10); 10; unknown layer 'linaer'",
            "flatten linear(784, 10); 8; expected '|'",
            "linear(784, 10; 14; expected ',' or ')'",
            "linear(784, 10, foo=1); 16; no argument 'foo'",
            "lif(tau=0.5); 8; tau must be > 1",
            "lif(tau=abc); 8; surrogate function 'abc'",
            "lif(surrogate=Nope(alpha=1)); 14; surrogate function 'Nope'",
            "lif(surrogate=ATan(beta=1)); 14; ATan has no parameter 'beta'",
            "linear(784); 0; missing required argument 'out_features'",
            "linear(784, 10.5); 12; must be an integer",
            "linear(784, 10) |; 17; expected a layer name",
            "dropout(p=1.5); 10; p must be in [0, 1)",
            "linear(784, 10, bias=true, 3); 27; positional argument after a named one",
            "'  '; 2; empty model spec",
    })
    void parseErrorsPointAtTheOffendingToken(String text, int position, String message) {
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelSpec.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(e.getMessage().contains("\n  " + " ".repeat(position) + "^"), e.getMessage());
    }

    @Test
    void shapeErrorsNameTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("flatten | linear(784, 100) | lif | linear(10, 10)").buildLayers(new int[]{1, 28, 28}));
        assertTrue(e.getMessage().startsWith("layer 4 'linear(10, 10)'"), e.getMessage());
        assertTrue(e.getMessage().contains("[100]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("linear(784, 10)").buildLayers(new int[]{1, 28, 28}));
        assertTrue(e.getMessage().contains("add flatten"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("conv2d(3, 8, 3)").buildLayers(new int[]{1, 28, 28}));
        assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("3 input channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("flatten | maxpool2d(2)").buildLayers(new int[]{1, 28, 28}));
        assertTrue(e.getMessage().contains("layer 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("batchnorm2d(4)").buildLayers(new int[]{3, 8, 8}));
        assertTrue(e.getMessage().contains("expects 4 channels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("flatten").buildLayers(new int[]{0, 3}));
    }

    @Test
    void specIsSerializable() throws Exception {
        ModelSpec s = ModelSpec.parse(MLP);
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bos)) {
            o.writeObject(s);
        }
        try (java.io.ObjectInputStream i = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bos.toByteArray()))) {
            assertEquals(s, i.readObject());
        }
    }

    @org.junit.jupiter.api.Test
    void formulaSurrogatesParsePrintAndParseBack() {
        String text = "flatten | linear(4, 3) | lif(tau=2.0, surrogate=Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0))"
                + " | if(surrogate=Formula(gradient='alpha/(1 + abs(x))^2', alpha=1.5, spiking=true))";
        ModelSpec s = ModelSpec.parse(text);
        io.github.sparksnn.surrogate.SurrogateFunction f = s.layers().get(2).getSurrogate("surrogate");
        assertEquals(io.github.sparksnn.surrogate.Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)"), f);
        assertEquals(s, ModelSpec.parse(s.toString()));
        assertTrue(s.toString().contains("surrogate=Formula(primitive='0.5 + atan(pi / 2 * alpha * x) / pi', alpha=2.0)"), s.toString());
        ModelSpec off = ModelSpec.parse("lif(surrogate=Formula(primitive='sigmoid(a*x)', a=4, spiking=false))");
        assertEquals(off, ModelSpec.parse(off.toString()));
        assertTrue(off.toString().contains("spiking=false"), off.toString());
        // errors point into the spec: the column of the bad token inside the quoted text
        String bad = "lif(surrogate=Formula(primitive='0.5 + atan(x', alpha=2.0))";
        ModelSpecException e = org.junit.jupiter.api.Assertions.assertThrows(ModelSpecException.class, () -> ModelSpec.parse(bad));
        assertTrue(e.getMessage().contains("expected ',' or ')' in the arguments of atan"), e.getMessage());
        assertEquals(bad.indexOf("', alpha"), e.position(), e.getMessage());
        ModelSpecException e2 = org.junit.jupiter.api.Assertions.assertThrows(ModelSpecException.class,
                () -> ModelSpec.parse("lif(surrogate=ATan(alpha='2'))"));
        assertTrue(e2.getMessage().contains("quoted text is for Formula"), e2.getMessage());
    }
}
