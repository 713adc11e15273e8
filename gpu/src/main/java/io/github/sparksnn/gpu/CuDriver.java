package io.github.sparksnn.gpu;

import java.nio.charset.StandardCharsets;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

/**
 * The driver calls {@link CudaDevice} makes on its context (set current, load a module, fetch a kernel), behind
 * an interface so that a test can check, without a GPU, that every one of them runs with the context current on
 * the calling thread ({@code CudaContextThreadingTest}). {@link #JCUDA} is the real driver.
 */
interface CuDriver {
    int ctxSetCurrent(CUcontext context);

    /** {@code cuModuleLoadDataEx} of a cubin or NUL-terminated PTX, filling {@code log} from the JIT. */
    int moduleLoadDataEx(CUmodule module, byte[] image, JitLog log);

    int moduleGetFunction(CUfunction function, CUmodule module, String name);

    /** The JIT's error and info logs of one load. */
    final class JitLog {
        static final int BYTES = 16384;
        private String error = "";
        private String info = "";

        String error() {
            return error;
        }

        String info() {
            return info;
        }

        void set(String error, String info) {
            this.error = error == null ? "" : error.trim();
            this.info = info == null ? "" : info.trim();
        }

        /** {@code ; JIT error log: ...; JIT info log: ...}, or empty when both are. */
        String describe() {
            return (error.isEmpty() ? "" : "; JIT error log: " + error) + (info.isEmpty() ? "" : "; JIT info log: " + info);
        }
    }

    CuDriver JCUDA = new CuDriver() {
        @Override
        public int ctxSetCurrent(CUcontext context) {
            return JCudaDriver.cuCtxSetCurrent(context);
        }

        @Override
        public int moduleLoadDataEx(CUmodule module, byte[] image, JitLog log) {
            JITOptions o = new JITOptions();
            o.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[JitLog.BYTES]);
            o.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JitLog.BYTES);
            o.putBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER, new byte[JitLog.BYTES]);
            o.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, JitLog.BYTES);
            o.putInt(CUjit_option.CU_JIT_LOG_VERBOSE, 1);
            int r = JCudaDriver.cuModuleLoadDataJIT(module, Pointer.to(image), o);
            log.set(text(o.getBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER)),
                    text(o.getBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER)));
            return r;
        }

        @Override
        public int moduleGetFunction(CUfunction function, CUmodule module, String name) {
            return JCudaDriver.cuModuleGetFunction(function, module, name);
        }

        private String text(byte[] b) {
            if (b == null) {
                return "";
            }
            int n = 0;
            while (n < b.length && b[n] != 0) {
                n++;
            }
            return new String(b, 0, n, StandardCharsets.US_ASCII);
        }
    };
}
