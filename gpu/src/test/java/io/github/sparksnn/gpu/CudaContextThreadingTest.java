package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import jcuda.driver.CUcontext;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/**
 * Every driver call {@link CudaDevice} makes on its context runs with that context current on the calling thread:
 * a driver double whose "current context" is thread-local, as the real one's is, refuses calls from a thread that
 * did not make it current (CUDA_ERROR_INVALID_CONTEXT). A device set up on one thread is then used from others,
 * as Spark hands an executor's engine to a new task thread: kernels of a loaded module and kernels of a module
 * not yet loaded. (On a GPU, {@code CudaBackendParityTest}'s threads do the same against the real driver.)
 */
class CudaContextThreadingTest {

    /** The driver double: calls count only when the context is current on this thread. */
    static class ThreadLocalContextDriver implements CuDriver {
        final ThreadLocal<CUcontext> current = new ThreadLocal<>();
        final CUcontext context;
        final List<String> calls = new ArrayList<>();

        ThreadLocalContextDriver(CUcontext context) {
            this.context = context;
        }

        @Override
        public int ctxSetCurrent(CUcontext c) {
            current.set(c);
            return CUresult.CUDA_SUCCESS;
        }

        private synchronized int call(String what) {
            if (current.get() != context) {
                calls.add("REFUSED " + what + " on " + Thread.currentThread().getName());
                return CUresult.CUDA_ERROR_INVALID_CONTEXT;
            }
            calls.add(what + " on " + Thread.currentThread().getName());
            return CUresult.CUDA_SUCCESS;
        }

        @Override
        public int moduleLoadDataEx(CUmodule module, byte[] image, JitLog log) {
            return call("load " + (image[0] == 0x7f ? "cubin" : "ptx"));
        }

        @Override
        public int moduleGetFunction(CUfunction function, CUmodule module, String name) {
            return call("get " + name);
        }
    }

    private static void onNewThread(String name, Runnable r) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(name + " failed: " + failure.get(), failure.get());
        }
    }

    @Test
    void kernelsAreFetchedAndModulesLoadedWithTheContextCurrentOnTheCallingThread() throws Exception {
        CUcontext ctx = new CUcontext();
        ThreadLocalContextDriver driver = new ThreadLocalContextDriver(ctx);
        CudaDevice dev = new CudaDevice(0, ctx, "double", 9, 0, 1L << 30, driver);
        KernelSource statics = KernelSource.staticKernels();
        KernelSource neuron = NeuronKernelSource.of(HostEmulator.builtInSurrogates().get(0));

        onNewThread("task-1", () -> assertNotNull(dev.function(statics, "sgemm_nn")));      // loads the module
        onNewThread("task-2", () -> assertNotNull(dev.function(statics, "column_sums")));          // module loaded, kernel not
        onNewThread("task-3", () -> assertNotNull(dev.function(neuron, "neuron_backward"))); // a new module
        onNewThread("task-4", () -> assertNotNull(dev.function(statics, "column_sums")));          // cached: no driver call

        assertEquals(List.of("load cubin on task-1", "get sgemm_nn on task-1", "get column_sums on task-2",
                "load cubin on task-3", "get neuron_backward on task-3"), driver.calls);
        assertEquals(List.of(statics.name() + ": sm_90 cubin", neuron.name() + ": sm_90 cubin"), dev.loadReports());
    }

    @Test
    void theDoubleRefusesAThreadWithoutTheContextSoTheTestAboveCanFail() throws Exception {
        CUcontext ctx = new CUcontext();
        ThreadLocalContextDriver driver = new ThreadLocalContextDriver(ctx);
        assertEquals(CUresult.CUDA_ERROR_INVALID_CONTEXT, driver.moduleGetFunction(new CUfunction(), new CUmodule(), "k"));
        driver.ctxSetCurrent(ctx);
        assertEquals(CUresult.CUDA_SUCCESS, driver.moduleGetFunction(new CUfunction(), new CUmodule(), "k"));
        onNewThread("other", () -> assertEquals(CUresult.CUDA_ERROR_INVALID_CONTEXT,
                driver.moduleGetFunction(new CUfunction(), new CUmodule(), "k")));
        assertTrue(driver.calls.get(0).startsWith("REFUSED"));
    }

    @Test
    void aDeviceWithoutAShippedCubinJitsThePtxAndAFailureReportsTheLogIsaTargetAndDriver() throws Exception {
        CUcontext ctx = new CUcontext();
        ThreadLocalContextDriver ok = new ThreadLocalContextDriver(ctx);
        CudaDevice blackwell = new CudaDevice(0, ctx, "double", 12, 0, 1L << 30, ok);
        blackwell.function(KernelSource.staticKernels(), "column_sums");
        assertEquals(List.of("load ptx on main", "get column_sums on main"), ok.calls);
        assertTrue(blackwell.loadReports().get(0).contains("PTX ISA 8.0 sm_75 (JIT for sm_120)"), blackwell.loadReports().toString());

        CuDriver broken = new ThreadLocalContextDriver(ctx) {
            @Override
            public int moduleLoadDataEx(CUmodule module, byte[] image, JitLog log) {
                log.set("ptxas fatal   : Unresolved extern function 'foo'", "");
                return CUresult.CUDA_ERROR_INVALID_PTX;
            }
        };
        CudaDevice hopper = new CudaDevice(0, ctx, "double", 9, 0, 1L << 30, broken);
        CudaException e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> hopper.function(KernelSource.staticKernels(), "column_sums"));
        String m = e.getMessage();
        assertTrue(m.contains("sm_90 cubin: CUDA_ERROR_INVALID_PTX; JIT error log: ptxas fatal"), m);
        assertTrue(m.contains("then PTX ISA 8.0 sm_75 (JIT for sm_90)"), m);
        assertTrue(m.contains("driver CUDA "), m);
        assertTrue(m.contains("cuda:0 (double, sm_90"), m);
    }
}
