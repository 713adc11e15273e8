package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code INDEX.tsv} beside the shipped PTX and cubins says what each file holds, and says it truly, checked without
 * nvcc or a GPU: it is what {@link PtxBuild#index()} writes now; every shipped {@code .ptx} and {@code .cubin} has
 * exactly one row and every row names a file that exists; each row's CUDA source, rebuilt from the row's unit,
 * surrogate and parameters alone, hashes (under the row's nvcc flags) to the row's hash and file name; the row's
 * kernels are in the file, and its arch is the PTX's {@code .target} or the cubin's ELF SM.
 */
class ShippedIndexTest {
    private static final Path DIR = Path.of("src/main/resources/io/github/sparksnn/gpu/ptx");

    @Test
    void theIndexIsWhatPtxBuildWritesNow() throws IOException {
        assertEquals(PtxBuild.index(), Files.readString(DIR.resolve(PtxBuild.INDEX), StandardCharsets.US_ASCII),
                PtxBuild.INDEX + " out of date: run gpu/regenerate-ptx.sh --index and commit");
    }

    @Test
    void everyShippedFileHasATrueRowAndEveryRowAFile() throws IOException {
        String index = Files.readString(DIR.resolve(PtxBuild.INDEX), StandardCharsets.US_ASCII);
        assertEquals(List.of(), problems(DIR, index));
        assertEquals(3 * PtxBuild.shipped().size(), rows(index).size(), "one PTX and two cubins per shipped source");
    }

    /** The checker is not vacuous: each kind of lie in the index is reported. */
    @Test
    void aTamperedIndexIsCaught() throws IOException {
        String index = Files.readString(DIR.resolve(PtxBuild.INDEX), StandardCharsets.US_ASCII);
        List<String> lines = new ArrayList<>(List.of(index.split("\n")));
        String atan = lines.stream().filter(l -> l.contains("\tATan\t") && l.contains("\tneuron\t")
                && l.contains("\tptx\t")).findFirst().orElseThrow();

        List<String> missing = new ArrayList<>(lines);
        missing.remove(atan);
        assertTrue(problems(DIR, String.join("\n", missing)).stream().anyMatch(p -> p.startsWith("no row for ")),
                "a shipped file without a row");

        List<String> phantom = new ArrayList<>(lines);
        phantom.add(atan.replaceFirst("^[0-9a-f]{24}", "000000000000000000000000"));
        assertTrue(problems(DIR, String.join("\n", phantom)).stream().anyMatch(p -> p.contains("does not exist")),
                "a row naming a file that does not exist");

        // (another alpha is no lie: a built-in's parameters are kernel arguments, one file for every value)
        List<String> wrongUnit = new ArrayList<>(lines);
        wrongUnit.set(lines.indexOf(atan), atan.replace("\tneuron\t", "\thalf\t").replace("\tfloat32\t", "\thalf2\t"));
        assertTrue(problems(DIR, String.join("\n", wrongUnit)).stream().anyMatch(p -> p.contains("hashes to")),
                "a row whose description is not its file's source");

        List<String> wrongSurrogate = new ArrayList<>(lines);
        wrongSurrogate.set(lines.indexOf(atan),
                atan.replace("\tATan\t", "\tSigmoid\t").replace("alpha=2.0", "alpha=4.0"));
        assertTrue(problems(DIR, String.join("\n", wrongSurrogate)).stream().anyMatch(p -> p.contains("hashes to")),
                "a row naming another surrogate");

        List<String> wrongArch = new ArrayList<>(lines);
        String cubin = lines.stream().filter(l -> l.contains(".sm_80.cubin\t")).findFirst().orElseThrow();
        wrongArch.set(lines.indexOf(cubin), cubin.replace("\tsm_80\t", "\tsm_90\t"));
        assertTrue(problems(DIR, String.join("\n", wrongArch)).stream().anyMatch(p -> p.contains("arch")),
                "a row with the wrong architecture");
    }

    /** The data rows of an index's text, each as column name -> value. */
    static List<Map<String, String>> rows(String index) {
        List<Map<String, String>> out = new ArrayList<>();
        List<String> header = null;
        for (String line : index.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (header == null) {
                header = List.of(cells);
                assertEquals(PtxBuild.INDEX_COLUMNS, header, "header row");
                continue;
            }
            assertEquals(header.size(), cells.length, "cells in row: " + line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < cells.length; i++) {
                row.put(header.get(i), cells[i]);
            }
            out.add(row);
        }
        return out;
    }

    /** Everything untrue or missing in {@code index} about the files in {@code dir}; empty when it is all true. */
    static List<String> problems(Path dir, String index) throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> shipped;
        try (var files = Files.list(dir)) {
            shipped = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".ptx") || n.endsWith(".cubin"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> named = new TreeSet<>();
        for (Map<String, String> row : rows(index)) {
            String file = row.get("file");
            if (!named.add(file)) {
                problems.add("two rows for " + file);
            }
            if (!shipped.contains(file)) {
                problems.add(file + ": the row names a file that does not exist");
                continue;
            }
            problems.addAll(rowProblems(dir, row));
        }
        for (String f : shipped) {
            if (!named.contains(f)) {
                problems.add("no row for " + f);
            }
        }
        return problems;
    }

    private static List<String> rowProblems(Path dir, Map<String, String> row) throws IOException {
        List<String> problems = new ArrayList<>();
        String file = row.get("file"), hash = row.get("hash"), format = row.get("format"), arch = row.get("arch");
        String expectedName = format.equals("ptx") ? hash + ".ptx" : hash + "." + arch + ".cubin";
        if (!file.equals(expectedName)) {
            problems.add(file + ": hash, format and arch name " + expectedName);
        }
        if (!row.get("nvcc_flags").equals(String.join(" ", Nvcc.FLAGS))) {
            problems.add(file + ": nvcc flags " + row.get("nvcc_flags") + " are not Nvcc.FLAGS " + Nvcc.FLAGS);
        }
        KernelSource rebuilt;
        try {
            rebuilt = rebuild(row);
        } catch (RuntimeException e) {
            problems.add(file + ": cannot rebuild its source from the row: " + e.getMessage());
            return problems;
        }
        if (!rebuilt.hash().equals(hash)) {
            problems.add(file + ": the row's description (" + rebuilt.name() + ") hashes to " + rebuilt.hash());
        }
        List<String> kernels = List.of(row.get("kernels").split(","));
        if (!kernels.equals(PtxBuild.kernelsOf(rebuilt.source()))) {
            problems.add(file + ": kernels " + kernels + " are not its source's "
                    + PtxBuild.kernelsOf(rebuilt.source()));
        }
        if (format.equals("ptx")) {
            String ptx = Files.readString(dir.resolve(file), StandardCharsets.US_ASCII);
            if (!arch.equals(PtxText.target(ptx))) {
                problems.add(file + ": arch " + arch + " but .target " + PtxText.target(ptx));
            }
            for (String k : kernels) {
                if (!PtxText.hasEntry(ptx, k)) {
                    problems.add(file + ": no .entry " + k);
                }
            }
        } else if (format.equals("cubin")) {
            byte[] cubin = Files.readAllBytes(dir.resolve(file));
            if (!arch.equals("sm_" + ShippedCubinTest.elfSm(cubin))) {
                problems.add(file + ": arch " + arch + " but ELF sm_" + ShippedCubinTest.elfSm(cubin));
            }
            String symbols = new String(cubin, StandardCharsets.ISO_8859_1);
            for (String k : kernels) {
                if (!symbols.contains("\0" + k + "\0")) {
                    problems.add(file + ": no symbol " + k);
                }
            }
        } else {
            problems.add(file + ": format " + format);
        }
        return problems;
    }

    /** The kernel source a row describes, built from its unit, surrogate and parameters alone. */
    private static KernelSource rebuild(Map<String, String> row) {
        String unit = row.get("unit");
        if (unit.equals(PtxBuild.STATIC_UNIT)) {
            return KernelSource.staticKernels();
        }
        Map<String, Double> params = new LinkedHashMap<>();
        if (!row.get("parameters").equals("-")) {
            for (String kv : row.get("parameters").split(",")) {
                String[] p = kv.split("=", 2);
                params.put(p[0], Double.parseDouble(p[1]));
            }
        }
        SurrogateFunction sg = Surrogates.create(row.get("surrogate"), params);
        if (unit.equals(PtxBuild.NEURON_UNIT) && row.get("dtype").equals("float32")) {
            return NeuronKernelSource.of(sg);
        }
        if (unit.equals(PtxBuild.SMOOTH_UNIT) && row.get("dtype").equals("float32")) {
            return SmoothKernelSource.of(sg);
        }
        if (unit.equals(PtxBuild.HALF_UNIT) && row.get("dtype").equals("half2")) {
            return HalfKernelSource.of(sg);
        }
        throw new IllegalArgumentException("unit " + unit + " with dtype " + row.get("dtype"));
    }
}
