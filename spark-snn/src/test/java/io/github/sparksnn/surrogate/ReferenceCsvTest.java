package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every function at its default parameters against the float64 reference values of
 * {@code reference/surrogate-default-params.csv} (spike, primitive, gradient), in double (1e-12 relative) and in
 * float (scalar and bulk, 1e-6 relative). At a piece boundary (a kink) either side's value is accepted.
 */
class ReferenceCsvTest {
    record Row(String function, String params, double x, double spike, Double primitive, double gradient) {
        String spec() {
            return function + "(" + params.replace(';', ',') + ")";
        }
    }

    static List<Row> rows;

    @BeforeAll
    static void load() throws IOException {
        rows = new ArrayList<>();
        try (InputStream in = ReferenceCsvTest.class.getResourceAsStream("/reference/surrogate-default-params.csv")) {
            assertTrue(in != null, "reference CSV missing from test resources");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = r.readLine();
            assertEquals("function,params,x,spike,primitive,gradient", header);
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] c = line.split(",", -1);
                rows.add(new Row(c[0], c[1], Double.parseDouble(c[2]), Double.parseDouble(c[3]),
                        c[4].isEmpty() ? null : Double.parseDouble(c[4]), Double.parseDouble(c[5])));
            }
        }
    }

    static boolean close(double actual, double expected, double rel, double abs) {
        return Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;
    }

    static boolean nearKink(SurrogateFunction f, double x) {
        for (double k : f.kinks()) {
            if (Math.abs(x - k) <= 1e-12 * Math.max(1, Math.abs(k))) {
                return true;
            }
        }
        return false;
    }

    /** At a kink the value of either piece is accepted: the one-sided limits, probed 1e-9 away. */
    static boolean eitherSide(java.util.function.DoubleUnaryOperator h, double x, double expected) {
        return close(h.applyAsDouble(x - 1e-9), expected, 0, 1e-7) || close(h.applyAsDouble(x + 1e-9), expected, 0, 1e-7);
    }

    @Test
    void coversEveryBuiltinAtItsDefaults() {
        Set<String> inCsv = new LinkedHashSet<>();
        for (Row r : rows) {
            inCsv.add(r.function());
        }
        assertEquals(17, inCsv.size(), "the CSV lists 17 functions");
        for (String name : inCsv) {
            SurrogateFunction f = Surrogates.parse(name);
            Row first = rows.stream().filter(r -> r.function().equals(name)).findFirst().orElseThrow();
            assertEquals(Surrogates.parse(first.spec()), f, "CSV parameters are the defaults of " + name);
            assertEquals(name, f.name());
        }
    }

    @Test
    void doubleMatchesReference() {
        List<String> failures = new ArrayList<>();
        for (Row r : rows) {
            SurrogateFunction f = Surrogates.parse(r.spec());
            boolean kink = nearKink(f, r.x());
            double g = f.gradient(r.x());
            if (!close(g, r.gradient(), 1e-12, 1e-15) && !(kink && eitherSide(f::gradient, r.x(), r.gradient()))) {
                failures.add(r + " gradient " + g);
            }
            if (r.primitive() != null) {
                double p = f.primitive(r.x());
                if (!close(p, r.primitive(), 1e-12, 1e-15) && !(kink && eitherSide(f::primitive, r.x(), r.primitive()))) {
                    failures.add(r + " primitive " + p);
                }
            }
            if (f.forward(r.x()) != r.spike()) {
                failures.add(r + " spike " + f.forward(r.x()));
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches, first: " + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
    }

    @Test
    void floatMatchesReference() {
        List<String> failures = new ArrayList<>();
        Map<String, List<Row>> byFunction = new LinkedHashMap<>();
        for (Row r : rows) {
            byFunction.computeIfAbsent(r.spec(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Row>> e : byFunction.entrySet()) {
            SurrogateFunction f = Surrogates.parse(e.getKey());
            SurrogateFunction smooth = f.copy().setSpikingMode(false);
            List<Row> rs = e.getValue();
            int n = rs.size();
            float[] xs = new float[n + 3];
            for (int i = 0; i < n; i++) {
                xs[i + 3] = (float) rs.get(i).x(); // all grid points are exact in float
                assertEquals(rs.get(i).x(), xs[i + 3], 0.0);
            }
            float[] g = new float[n + 1];
            float[] p = new float[n + 2];
            float[] s = new float[n];
            f.gradient(xs, 3, g, 1, n);
            smooth.forward(xs, 3, p, 2, n);
            f.forward(xs, 3, s, 0, n);
            for (int i = 0; i < n; i++) {
                Row r = rs.get(i);
                boolean kink = nearKink(f, r.x());
                for (double actual : new double[] {f.gradient(xs[i + 3]), g[i + 1]}) {
                    if (!close(actual, r.gradient(), 1e-6, 1e-9) && !(kink && eitherSide(f::gradient, r.x(), r.gradient()))) {
                        failures.add(r + " float gradient " + actual);
                    }
                }
                if (r.primitive() != null) {
                    for (double actual : new double[] {f.primitive(xs[i + 3]), p[i + 2]}) {
                        if (!close(actual, r.primitive(), 1e-6, 1e-9) && !(kink && eitherSide(f::primitive, r.x(), r.primitive()))) {
                            failures.add(r + " float primitive " + actual);
                        }
                    }
                }
                if (s[i] != r.spike() || f.forward(xs[i + 3]) != r.spike()) {
                    failures.add(r + " float spike " + s[i]);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches, first: " + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
    }
}
