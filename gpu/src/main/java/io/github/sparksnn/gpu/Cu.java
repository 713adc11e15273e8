package io.github.sparksnn.gpu;

import jcuda.driver.CUresult;

/** Driver-API result checks (JCuda's own exceptions stay off: that switch is JVM-global). */
final class Cu {
    private Cu() {
    }

    /** Throws {@link CudaException} naming the call when {@code result} is not CUDA_SUCCESS. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")", result);
        }
    }
}
