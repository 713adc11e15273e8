package io.github.sparksnn.gpu;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link DeviceStream} that passes everything to another and remembers, per kernel, the argument types of its
 * launches ({@link #SIGNATURES}, JVM-wide), and runs a callback on {@link #close()}: what the PTX parameter test
 * compares with the {@code .param} lists and what the Spark test counts engines by.
 */
final class RecordingStream implements DeviceStream {
    /** {@code source name/kernel -> the argument types of its launches} (all launches of a kernel must agree). */
    static final Map<String, List<KernelArgs.Type>> SIGNATURES = new ConcurrentHashMap<>();
    /** {@code source name/kernel -> the KernelSource it came from}. */
    static final Map<String, KernelSource> SOURCES = new ConcurrentHashMap<>();
    /** Launches whose argument types differed from an earlier launch of the same kernel. */
    static final List<String> CONFLICTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final DeviceStream inner;
    private final Runnable onClose;
    private final Map<Object, String> names = new ConcurrentHashMap<>();

    RecordingStream(DeviceStream inner, Runnable onClose) {
        this.inner = inner;
        this.onClose = onClose;
    }

    @Override
    public Object deviceKey() {
        return inner.deviceKey();
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public DevicePtr alloc(long bytes) {
        return inner.alloc(bytes);
    }

    @Override
    public void free(DevicePtr p) {
        inner.free(p);
    }

    @Override
    public void memsetD32(DevicePtr p, int bits, long count) {
        inner.memsetD32(p, bits, count);
    }

    @Override
    public void upload(float[] src, int srcOff, DevicePtr dst, int n) {
        inner.upload(src, srcOff, dst, n);
    }

    @Override
    public void download(DevicePtr src, float[] dst, int dstOff, int n) {
        inner.download(src, dst, dstOff, n);
    }

    @Override
    public void downloadDoubles(DevicePtr src, double[] dst, int n) {
        inner.downloadDoubles(src, dst, n);
    }

    @Override
    public void copy(DevicePtr dst, DevicePtr src, long bytes) {
        inner.copy(dst, src, bytes);
    }

    @Override
    public Object function(KernelSource src, String kernel) {
        Object f = inner.function(src, kernel);
        String key = src.name() + "/" + kernel;
        names.put(f, key);
        SOURCES.put(key, src);
        return f;
    }

    @Override
    public void launch(Object function, int gx, int gy, int threads, KernelArgs args, String name) {
        String key = names.get(function);
        List<KernelArgs.Type> types = args.list().stream().map(KernelArgs.Arg::type).toList();
        List<KernelArgs.Type> before = SIGNATURES.putIfAbsent(key, types);
        if (before != null && !before.equals(types)) {
            CONFLICTS.add(key + ": " + before + " then " + types);
        }
        inner.launch(function, gx, gy, threads, args, name);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void close() {
        inner.close();
        onClose.run();
    }
}
