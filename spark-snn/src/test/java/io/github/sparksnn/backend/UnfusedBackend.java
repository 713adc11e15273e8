package io.github.sparksnn.backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * A {@link CpuBackend} whose fused operations run as the {@link Backend} interface's defaults (the composition of
 * the plain operations, what a backend without the fusion, e.g. CUDA, executes): the reference the fused CPU
 * kernels are compared with, bit for bit.
 */
public final class UnfusedBackend {
    /** The interface's default methods that {@link CpuBackend} overrides with a fused kernel. */
    public static final Set<String> FUSED = Set.of("neuronForwardStatic", "neuronBackwardStatic", "neuronForwardMaxPool",
            "neuronBackwardMaxPool", "neuronForwardMaxPoolRecomputable", "neuronBackwardMaxPoolRecompute",
            "addTransposed", "col2imSet", "multiStateNeuronForward", "multiStateNeuronBackward");

    private UnfusedBackend() {
    }

    public static Backend wrap(CpuBackend target) {
        InvocationHandler h = (proxy, method, args) -> {
            try {
                if (FUSED.contains(method.getName())) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }
}
