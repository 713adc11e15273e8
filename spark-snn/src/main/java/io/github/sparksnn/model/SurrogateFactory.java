package io.github.sparksnn.model;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a surrogate function from its spec form {@code Name(param=value, ..., spiking=true)}. Any class
 * {@code io.github.sparksnn.surrogate.Name} works that has a no-argument constructor (for the defaults and the
 * parameter order, from {@link SurrogateFunction#parameters()}) and a constructor taking all parameters as
 * {@code double}s in that order plus {@code boolean spiking} (the pattern of {@code ATan} and {@code Sigmoid}).
 */
final class SurrogateFactory {
    private SurrogateFactory() {
    }

    static SurrogateFunction create(String name, Map<String, Object> given) {
        Class<?> cls;
        try {
            cls = Class.forName("io.github.sparksnn.surrogate." + name);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown surrogate function '" + name + "'");
        }
        if (!SurrogateFunction.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException("'" + name + "' is not a surrogate function");
        }
        try {
            SurrogateFunction def = (SurrogateFunction) cls.getConstructor().newInstance();
            Map<String, Double> values = new LinkedHashMap<>(def.parameters());
            boolean spiking = true;
            for (Map.Entry<String, Object> e : given.entrySet()) {
                if (e.getKey().equals("spiking")) {
                    if (!(e.getValue() instanceof Boolean b)) {
                        throw new IllegalArgumentException(name + ": spiking must be true or false");
                    }
                    spiking = b;
                } else if (values.containsKey(e.getKey())) {
                    if (!(e.getValue() instanceof Double d)) {
                        throw new IllegalArgumentException(name + ": " + e.getKey() + " must be a number");
                    }
                    values.put(e.getKey(), d);
                } else {
                    throw new IllegalArgumentException(name + " has no parameter '" + e.getKey() + "' (parameters: "
                            + String.join(", ", def.parameters().keySet()) + ", spiking)");
                }
            }
            List<Class<?>> types = new ArrayList<>();
            List<Object> args = new ArrayList<>();
            for (Double v : values.values()) {
                types.add(double.class);
                args.add(v);
            }
            types.add(boolean.class);
            args.add(spiking);
            Constructor<?> c = cls.getConstructor(types.toArray(new Class<?>[0]));
            return (SurrogateFunction) c.newInstance(args.toArray());
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException(cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("surrogate '" + name + "' cannot be built from a spec: " + e);
        }
    }

    /** Spec form: {@code ATan(alpha=2.0)}, with {@code spiking=false} only when off. */
    static String format(SurrogateFunction f) {
        StringBuilder sb = new StringBuilder(f.name()).append('(');
        String sep = "";
        for (Map.Entry<String, Double> e : f.parameters().entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ", ";
        }
        if (!f.isSpiking()) {
            sb.append(sep).append("spiking=false");
        }
        return sb.append(')').toString();
    }
}
