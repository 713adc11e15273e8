package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The cubins shipped beside the PTX ({@code <hash>.sm_80.cubin}, {@code <hash>.sm_90.cubin}): one per shipped
 * source and architecture and no orphans, ELF images for the right SM, and exactly what JCuda's nvPTXCompiler
 * builds from the shipped PTX (so they cannot drift from it); where nvcc exists, every shipped PTX is what nvcc
 * builds from its source, which closes the chain source -> PTX -> cubin. {@code ShippedIndexTest} checks {@code INDEX.tsv}.
 */
class ShippedCubinTest {
    private static final Path DIR = Path.of("src/main/resources/io/github/sparksnn/gpu/ptx");

    @Test
    void oneCubinPerShippedSourceAndArchitectureAndNoOrphans() throws IOException {
        Set<String> expected = new TreeSet<>();
        for (KernelSource s : PtxBuild.shippedSources()) {
            for (String arch : PtxAssembler.SHIPPED_ARCHS) {
                expected.add(PtxBuild.cubinFile(s, arch));
                byte[] cubin = PtxStore.cubin(s, arch).orElseThrow(() -> new AssertionError("not on the classpath"));
                assertEquals(0x7f, cubin[0]);
                assertEquals("ELF", new String(cubin, 1, 3, StandardCharsets.US_ASCII));
                assertEquals(Integer.parseInt(arch.substring(3)), elfSm(cubin), s.name() + " " + arch);
            }
        }
        Set<String> present;
        try (var files = Files.list(DIR)) {
            present = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cubin"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expected, present, "shipped cubins out of date: run gpu/regenerate-ptx.sh --cubins and commit");
    }

    /** The SM number in a CUDA ELF header's e_flags (low byte; bits 16.. in newer ABI versions). */
    static int elfSm(byte[] elf) {
        int flags = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).getInt(48);
        int low = flags & 0xff;
        return low != 0 ? low : (flags >>> 8) & 0xff;
    }

    @Test
    void theCubinsAreWhatNvPtxCompilerBuildsFromTheShippedPtx() {
        String why = PtxAssembler.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
        for (KernelSource s : PtxBuild.shippedSources()) {
            String ptx = PtxStore.shipped(s).orElseThrow();
            for (String arch : PtxAssembler.SHIPPED_ARCHS) {
                assertArrayEquals(PtxAssembler.assemble(ptx, arch), PtxStore.cubin(s, arch).orElseThrow(),
                        s.name() + " " + arch + ": run gpu/regenerate-ptx.sh --cubins and commit");
            }
        }
    }

    @Test
    void everyShippedPtxIsWhatNvccBuildsFromItsSource() {
        var nvcc = Nvcc.find();
        Assumptions.assumeTrue(nvcc.isPresent(), "SKIPPED (visible): nvcc not found");
        String shippedToolkit = toolkit(PtxStore.shipped(KernelSource.staticKernels()).orElseThrow());
        for (KernelSource s : PtxBuild.shippedSources()) {
            String fresh = nvcc.get().compile(s);
            Assumptions.assumeTrue(toolkit(fresh).equals(shippedToolkit),
                    () -> "SKIPPED (visible): this nvcc (" + toolkit(fresh) + ") is not the one that built the PTX ("
                            + shippedToolkit + ")");
            assertEquals(PtxStore.shipped(s).orElseThrow(), PtxText.lowerVersion(fresh, PtxText.SHIPPED_VERSION),
                    s.name() + ": run gpu/regenerate-ptx.sh and commit");
        }
    }

    private static String toolkit(String ptx) {
        for (String line : ptx.split("\n")) {
            if (line.startsWith("// Cuda compilation tools")) {
                return line;
            }
        }
        return "";
    }
}
