package io.github.sparksnn.gpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code conf/gpu-discovery.sh} over a fake {@code nvidia-smi} on the PATH: no GPU, one, several, each address form,
 * and {@code CUDA_VISIBLE_DEVICES} set (the script reports what nvidia-smi lists, which ignores that variable; the
 * executor maps Spark's address to a CUDA ordinal through it, see {@link GpuAddressesTest}).
 */
class GpuDiscoveryScriptTest {
    static final Path SCRIPT = Path.of("..", "conf", "gpu-discovery.sh").toAbsolutePath().normalize();

    record Run(int code, String out, String err) {
    }

    /** Runs the script with a fake nvidia-smi answering each {@code --query-gpu=FIELD} with {@code lines}. */
    static Run run(Map<String, String> answers, Map<String, String> env) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "smi");
        if (answers != null) {
            StringBuilder sh = new StringBuilder("#!/bin/sh\ncase \"$1\" in\n");
            answers.forEach((field, lines) -> sh.append("  --query-gpu=").append(field).append(") printf '")
                    .append(lines).append("' ;;\n"));
            sh.append("  *) exit 9 ;;\nesac\n");
            Path smi = dir.resolve("nvidia-smi");
            Files.writeString(smi, sh);
            Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString());
        pb.environment().put("PATH", dir + ":/usr/bin:/bin");
        pb.environment().remove("NVIDIA_SMI");
        pb.environment().remove("SNN_GPU_ADDRESS");
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out.strip(), err.strip());
    }

    @Test
    void noNvidiaSmiMeansNoGpu() throws Exception {
        Run r = run(null, Map.of());
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"name\": \"gpu\", \"addresses\": []}", r.out());
    }

    @Test
    void oneAndSeveralGpusInEachAddressForm() throws Exception {
        Map<String, String> three = Map.of("index", "0\\n1\\n2\\n",
                "uuid", "GPU-aaaa-1\\nGPU-bbbb-2\\nGPU-cccc-3\\n",
                "pci.bus_id", "00000000:3B:00.0\\n00000000:5E:00.0\\n00000000:86:00.0\\n");
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\"]}", run(Map.of("index", "0\\n"), Map.of()).out());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"2\"]}", run(three, Map.of()).out());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"GPU-aaaa-1\", \"GPU-bbbb-2\", \"GPU-cccc-3\"]}",
                run(three, Map.of("SNN_GPU_ADDRESS", "uuid")).out());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"00000000:3B:00.0\", \"00000000:5E:00.0\", "
                + "\"00000000:86:00.0\"]}", run(three, Map.of("SNN_GPU_ADDRESS", "pci")).out());
        // An nvidia-smi that finds no device prints nothing: an empty list, not an error.
        assertEquals("{\"name\": \"gpu\", \"addresses\": []}", run(Map.of("index", ""), Map.of()).out());
    }

    @Test
    void cudaVisibleDevicesDoesNotChangeWhatIsReported() throws Exception {
        Map<String, String> two = Map.of("index", "0\\n1\\n", "uuid", "GPU-x\\nGPU-y\\n");
        Run r = run(two, Map.of("CUDA_VISIBLE_DEVICES", "1"));
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}", r.out());
        // With UUIDs the address names the device whatever CUDA_VISIBLE_DEVICES says (the robust choice).
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"GPU-x\", \"GPU-y\"]}",
                run(two, Map.of("CUDA_VISIBLE_DEVICES", "GPU-y", "SNN_GPU_ADDRESS", "uuid")).out());
    }

    @Test
    void anUnknownAddressFormIsAUsageError() throws Exception {
        Run r = run(Map.of("index", "0\\n"), Map.of("SNN_GPU_ADDRESS", "serial"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("SNN_GPU_ADDRESS must be index, uuid or pci, got 'serial'"), r.err());
    }
}
