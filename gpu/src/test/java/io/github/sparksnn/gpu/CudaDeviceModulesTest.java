package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUcontext;
import org.junit.jupiter.api.Test;

/**
 * The module cache of a device, with the driver double of {@link CudaContextThreadingTest} (no GPU needed): a
 * compile (nvcc, here a PTX source that blocks) does not hold the device's lock, and the number of modules is
 * bounded with an error that says so.
 */
class CudaDeviceModulesTest {
    @Test
    void aSlowCompileDoesNotHoldTheDeviceLock() throws Exception {
        CUcontext ctx = new CUcontext();
        CountDownLatch compiling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // compute capability 12.0: no shipped cubin, so the PTX source (nvcc's place) is asked
        CudaDevice dev = new CudaDevice(0, ctx, "double", 12, 0, 1L << 30,
                new CudaContextThreadingTest.ThreadLocalContextDriver(ctx), CudaDevice.MAX_MODULES, src -> {
                    compiling.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return PtxStore.ptx(src);
                });
        CompletableFuture<Object> load = CompletableFuture.supplyAsync(
                () -> dev.function(KernelSource.staticKernels(), "column_sums"));
        assertTrue(compiling.await(10, TimeUnit.SECONDS));
        // loadReports() takes the device's lock: it answers while the compile is still running
        CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> dev.loadReports().size());
        assertEquals(0, other.get(5, TimeUnit.SECONDS));
        release.countDown();
        assertNotNull(load.get(10, TimeUnit.SECONDS));
        assertEquals(1, dev.loadReports().size());
    }

    @Test
    void modulesAreBoundedWithAClearError() {
        CUcontext ctx = new CUcontext();
        CudaDevice dev = new CudaDevice(0, ctx, "double", 9, 0, 1L << 30,
                new CudaContextThreadingTest.ThreadLocalContextDriver(ctx), 1, PtxStore::ptx);
        assertNotNull(dev.function(KernelSource.staticKernels(), "column_sums"));
        assertNotNull(dev.function(KernelSource.staticKernels(), "sgemm_nn")); // the same module: no new load
        KernelSource neuron = NeuronKernelSource.of(HostEmulator.builtInSurrogates().get(0));
        String m = assertThrows(IllegalStateException.class, () -> dev.function(neuron, "neuron_backward")).getMessage();
        assertTrue(m.contains("1 modules are loaded, the limit is 1"), m);
        assertEquals(1, dev.loadReports().size());
    }
}
