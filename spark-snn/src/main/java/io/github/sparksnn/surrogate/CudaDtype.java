package io.github.sparksnn.surrogate;

import java.util.Locale;

/** The element types CUDA snippets are generated for (upstream's {@code dtype='fp32'|'fp16'}). */
public enum CudaDtype {
    /** One {@code float} per thread. */
    FLOAT("float"),
    /** Two packed halves per thread, computed with the {@code __h*2} intrinsics. */
    HALF2("half2");

    private final String cType;

    CudaDtype(String cType) {
        this.cType = cType;
    }

    /** The CUDA C type name: {@code float} or {@code half2}. */
    public String cType() {
        return cType;
    }

    /** Accepts {@code float}/{@code fp32} and {@code half2}/{@code fp16} (upstream's names), any case. */
    public static CudaDtype parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "float": case "fp32": case "float32": return FLOAT;
            case "half2": case "fp16": case "half": return HALF2;
            default:
                throw new IllegalArgumentException("Unknown CUDA dtype '" + s + "': expected float (fp32) or half2 (fp16)");
        }
    }
}
