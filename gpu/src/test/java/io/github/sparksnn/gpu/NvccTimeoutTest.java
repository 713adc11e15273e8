package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * An nvcc that hangs is killed with its whole process tree: the real nvcc is a driver whose children (cicc, ptxas)
 * do the work, and killing the driver alone would leave them running. A fake compiler (a shell script that starts
 * a child and waits) stands in for it; no GPU or CUDA toolkit is needed.
 */
class NvccTimeoutTest {
    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aTimedOutCompileKillsTheCompilerAndItsChildren() throws Exception {
        Path dir = Files.createTempDirectory("fake-nvcc");
        Path pidFile = dir.resolve("child.pid");
        Path script = dir.resolve("nvcc");
        Files.writeString(script, "#!/bin/sh\nsleep 600 &\necho $! > " + pidFile + "\nwait\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        String m = assertThrows(IllegalStateException.class,
                () -> new Nvcc(script, 2).compile(KernelSource.staticKernels())).getMessage();
        assertTrue(m.contains("nvcc did not finish within 2 s") && m.contains("child processes were killed"), m);

        long child = Long.parseLong(Files.readString(pidFile).trim());
        Optional<ProcessHandle> h = ProcessHandle.of(child);
        for (int i = 0; i < 50 && h.isPresent() && h.get().isAlive(); i++) {
            Thread.sleep(100); // the kill is asynchronous
        }
        assertFalse(h.isPresent() && h.get().isAlive(), "the compiler's child " + child + " still runs");
    }
}
