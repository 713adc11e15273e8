package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every generated snippet (all functions, default and non-default parameters) with
 * {@code nvcc -ptx -arch=compute_75}: one .cu file per dtype, one kernel per snippet, plus kernels in which two
 * snippets with different variable names share a scope. Skipped (visibly) where nvcc is not installed.
 */
class CudaCodeCompileTest {
    static String nvcc;

    @BeforeAll
    static void findNvcc() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File f = new File(dir, "nvcc");
                if (f.isFile() && f.canExecute()) {
                    nvcc = f.getAbsolutePath();
                    return;
                }
            }
        }
        File cuda = new File("/usr/local/cuda/bin/nvcc");
        if (cuda.isFile() && cuda.canExecute()) {
            nvcc = cuda.getAbsolutePath();
        }
    }

    static String kernels(CudaDtype dt) {
        String t = dt.cType();
        StringBuilder cu = new StringBuilder("#include <cuda_fp16.h>\n\n");
        List<SurrogateFunction> fs = CudaCodeTest.functions();
        for (int j = 0; j < fs.size(); j++) {
            SurrogateFunction f = fs.get(j);
            cu.append("// ").append(f).append('\n');
            cu.append("extern \"C\" __global__ void k").append(j).append("(const ").append(t).append("* in, ").append(t)
                    .append("* out, int n) {\n  const int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= n) return;\n")
                    .append("  const ").append(t).append(" x = in[i];\n")
                    .append(f.cudaCode("x", "y", dt)).append("  out[i] = y;\n}\n\n");
            // two snippets of the same function with different names in one scope
            String sum = dt == CudaDtype.FLOAT ? "y + w" : "__hadd2(y, w)";
            cu.append("extern \"C\" __global__ void two").append(j).append("(const ").append(t).append("* in, ").append(t)
                    .append("* out, int n) {\n  const int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= n) return;\n")
                    .append("  const ").append(t).append(" x = in[i];\n  const ").append(t).append(" v = in[n - 1 - i];\n")
                    .append(f.cudaCode("x", "y", dt)).append(f.cudaCode("v", "w", dt)).append("  out[i] = ").append(sum)
                    .append(";\n}\n\n");
        }
        return cu.toString();
    }

    static void compile(Path dir, CudaDtype dt) throws IOException, InterruptedException {
        Assumptions.assumeTrue(nvcc != null, "nvcc not found: CUDA compile test skipped");
        Path cu = dir.resolve("surrogates_" + dt.cType() + ".cu");
        Path ptx = dir.resolve("surrogates_" + dt.cType() + ".ptx");
        Files.writeString(cu, kernels(dt), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(nvcc, "-ptx", "-arch=compute_75", "-o", ptx.toString(), cu.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), "nvcc failed on " + cu + ":\n" + log);
        assertTrue(!log.toLowerCase(java.util.Locale.ROOT).contains("warning"), "nvcc warnings:\n" + log);
        String out = Files.readString(ptx);
        int n = CudaCodeTest.functions().size();
        for (int j = 0; j < n; j++) {
            assertTrue(out.contains(".entry k" + j + "(") && out.contains(".entry two" + j + "("), "kernel " + j + " in the PTX");
        }
    }

    @Test
    void floatSnippetsCompile(@TempDir Path dir) throws Exception {
        compile(dir, CudaDtype.FLOAT);
    }

    @Test
    void half2SnippetsCompile(@TempDir Path dir) throws Exception {
        compile(dir, CudaDtype.HALF2);
    }
}
