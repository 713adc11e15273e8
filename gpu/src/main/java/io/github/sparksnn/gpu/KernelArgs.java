package io.github.sparksnn.gpu;

import java.util.ArrayList;
import java.util.List;

/** A kernel's parameter list in order, typed as the CUDA signature: int, long long, float or a device pointer. */
final class KernelArgs {
    enum Type { INT, LONG, FLOAT, PTR }

    record Arg(Type type, long bits, DevicePtr ptr) {
    }

    private final List<Arg> args = new ArrayList<>();

    static KernelArgs args() {
        return new KernelArgs();
    }

    KernelArgs ptr(DevicePtr p) {
        args.add(new Arg(Type.PTR, 0, p));
        return this;
    }

    KernelArgs i(int v) {
        args.add(new Arg(Type.INT, v, null));
        return this;
    }

    KernelArgs i(boolean v) {
        return i(v ? 1 : 0);
    }

    KernelArgs l(long v) {
        args.add(new Arg(Type.LONG, v, null));
        return this;
    }

    KernelArgs f(float v) {
        args.add(new Arg(Type.FLOAT, Float.floatToRawIntBits(v), null));
        return this;
    }

    List<Arg> list() {
        return args;
    }
}
