package io.github.sparksnn.gpu;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUresult;
import java.util.ArrayList;
import java.util.List;

/** Driver-API result checks and kernel-argument packing (JCuda's exceptions stay off: they are JVM-global). */
final class Cu {
    private Cu() {
    }

    /** Throws {@link CudaException} naming the call when {@code result} is not CUDA_SUCCESS. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")", result);
        }
    }

    /** Builder of a kernel's parameter array ({@code void** kernelParams}). */
    static final class Args {
        private final List<NativePointerObject> ps = new ArrayList<>();

        Args ptr(Pointer devicePtr) {
            ps.add(Pointer.to(devicePtr));
            return this;
        }

        Args i(int v) {
            ps.add(Pointer.to(new int[] {v}));
            return this;
        }

        Args i(boolean v) {
            return i(v ? 1 : 0);
        }

        Args l(long v) {
            ps.add(Pointer.to(new long[] {v}));
            return this;
        }

        Args f(float v) {
            ps.add(Pointer.to(new float[] {v}));
            return this;
        }

        Pointer build() {
            return Pointer.to(ps.toArray(new NativePointerObject[0]));
        }
    }

    static Args args() {
        return new Args();
    }
}
