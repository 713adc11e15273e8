package io.github.sparksnn.gpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kernel parameter lists three ways, and their comparison: the CUDA C signature ({@code extern "C" __global__}),
 * the PTX {@code .entry}'s {@code .param} list, and the {@link KernelArgs} of a launch. PTX alone cannot tell a
 * pointer from a {@code long long} (both {@code .u64}); the C signature can, and PTX proves the widths the
 * compiler laid out. An {@code int} passed for a {@code long long} then fails here instead of on the device,
 * where the kernel would read the neighbouring argument's bytes.
 */
final class KernelSignatures {
    private static final Pattern C_KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?([A-Za-z_]\\w*)\\s*\\(([^)]*)\\)");
    private static final Pattern PTX_ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PTX_PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    private KernelSignatures() {
    }

    /** Each kernel's parameters as launch argument types, from the CUDA C source. */
    static Map<String, List<KernelArgs.Type>> fromSource(String cuda) {
        Map<String, List<KernelArgs.Type>> out = new LinkedHashMap<>();
        Matcher m = C_KERNEL.matcher(cuda.replaceAll("//[^\n]*", ""));
        while (m.find()) {
            List<KernelArgs.Type> types = new ArrayList<>();
            if (!m.group(2).isBlank()) {
                for (String p : m.group(2).split(",")) {
                    types.add(cType(p.trim(), m.group(1)));
                }
            }
            out.put(m.group(1), types);
        }
        return out;
    }

    private static KernelArgs.Type cType(String param, String kernel) {
        String t = param.replaceAll("\\b(const|__restrict__|restrict|unsigned|signed)\\b", " ").trim();
        if (t.contains("*")) {
            return KernelArgs.Type.PTR;
        }
        if (t.matches("long\\s+long\\s+\\w+|long\\s+\\w+|int64_t\\s+\\w+|size_t\\s+\\w+")) {
            return KernelArgs.Type.LONG;
        }
        if (t.matches("float\\s+\\w+")) {
            return KernelArgs.Type.FLOAT;
        }
        if (t.matches("(int|int32_t|bool)\\s+\\w+")) {
            return KernelArgs.Type.INT;
        }
        throw new IllegalArgumentException(kernel + ": parameter type not understood: '" + param + "'");
    }

    /** Each entry's {@code .param} types ({@code u32}, {@code f32}, {@code u64}, ...), from PTX. */
    static Map<String, List<String>> fromPtx(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = PTX_ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PTX_PARAM.matcher(m.group(2));
            while (p.find()) {
                types.add(p.group(1));
            }
            out.put(m.group(1), types);
        }
        return out;
    }

    /** Null when the C parameter kinds fit the PTX parameter widths, else what differs. */
    static String compareWithPtx(String kernel, List<KernelArgs.Type> c, List<String> ptx) {
        if (ptx == null) {
            return kernel + ": no .entry in the PTX";
        }
        if (c.size() != ptx.size()) {
            return kernel + ": " + c.size() + " parameters in C, " + ptx.size() + " in PTX " + ptx;
        }
        for (int i = 0; i < c.size(); i++) {
            String want = switch (c.get(i)) {
                case PTR, LONG -> "64";
                case INT -> "32";
                case FLOAT -> "f32";
            };
            String have = ptx.get(i);
            boolean ok = want.equals("f32") ? have.equals("f32") : have.endsWith(want) && !have.startsWith("f");
            if (!ok) {
                return kernel + ": parameter " + i + " is " + c.get(i) + " in C but ." + have + " in PTX";
            }
        }
        return null;
    }

    /** Null when a launch's arguments are exactly the kernel's C parameter kinds, else what differs. */
    static String compareLaunch(String kernel, List<KernelArgs.Type> c, List<KernelArgs.Type> launched) {
        if (c == null) {
            return kernel + ": launched, but no such kernel in its source";
        }
        if (c.size() != launched.size()) {
            return kernel + ": launched with " + launched.size() + " arguments, the kernel takes " + c.size() + " " + c;
        }
        for (int i = 0; i < c.size(); i++) {
            if (c.get(i) != launched.get(i)) {
                String bytes = launched.get(i) == KernelArgs.Type.INT || launched.get(i) == KernelArgs.Type.FLOAT ? "4" : "8";
                return kernel + ": argument " + i + " launched as " + launched.get(i) + " (" + bytes + " bytes), the kernel"
                        + " declares " + c.get(i) + " " + c;
            }
        }
        return null;
    }

    /** Every recorded launch ({@link RecordingStream#SIGNATURES}) against its source; the mismatches. */
    static List<String> checkRecordedLaunches() {
        List<String> bad = new ArrayList<>(RecordingStream.CONFLICTS);
        for (Map.Entry<String, List<KernelArgs.Type>> e : RecordingStream.SIGNATURES.entrySet()) {
            KernelSource src = RecordingStream.SOURCES.get(e.getKey());
            String kernel = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            String why = compareLaunch(e.getKey(), fromSource(src.source()).get(kernel), e.getValue());
            if (why != null) {
                bad.add(why);
            }
        }
        return bad;
    }
}
