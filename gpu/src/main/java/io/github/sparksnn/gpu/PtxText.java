package io.github.sparksnn.gpu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small edits of PTX text. nvcc 13 writes PTX ISA 9.0, which only drivers {@code >= 580} load, and JCuda's nvPTXCompiler
 * (used to validate PTX without a GPU) accepts ISA {@code <= 8.0}. The kernels here use nothing newer than ISA 8.0, so the
 * shipped PTX carries {@code .version 8.0} (loadable by every CUDA 12+ driver) and has been checked to compile
 * with that version line.
 */
public final class PtxText {
    /** The ISA the shipped PTX declares. */
    public static final String SHIPPED_VERSION = "8.0";

    private static final Pattern VERSION = Pattern.compile("(?m)^[ \\t]*\\.version[ \\t]+(\\d+)\\.(\\d+)[ \\t]*$");
    private static final Pattern TARGET = Pattern.compile("(?m)^[ \\t]*\\.target[ \\t]+(\\S+)[ \\t]*$");
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][A-Za-z0-9_$]*)");

    private PtxText() {
    }

    /** The declared ISA version, e.g. {@code 9.0}. */
    public static String version(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("not PTX: no .version line");
        }
        return m.group(1) + "." + m.group(2);
    }

    /** The declared target, e.g. {@code sm_75}. */
    public static String target(String ptx) {
        Matcher m = TARGET.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("not PTX: no .target line");
        }
        return m.group(1);
    }

    /** Replaces the {@code .version} line by {@code version} when the declared one is higher; otherwise unchanged. */
    public static String lowerVersion(String ptx, String version) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("not PTX: no .version line");
        }
        String[] want = version.split("\\.");
        int haveMajor = Integer.parseInt(m.group(1)), haveMinor = Integer.parseInt(m.group(2));
        int wantMajor = Integer.parseInt(want[0]), wantMinor = Integer.parseInt(want[1]);
        if (haveMajor < wantMajor || (haveMajor == wantMajor && haveMinor <= wantMinor)) {
            return ptx;
        }
        return ptx.substring(0, m.start()) + ".version " + version + ptx.substring(m.end());
    }

    /** Whether the PTX defines a kernel ({@code .entry}) of this name. */
    public static boolean hasEntry(String ptx, String kernel) {
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            if (m.group(1).equals(kernel)) {
                return true;
            }
        }
        return false;
    }
}
