package io.github.sparksnn.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a GPU address as Spark hands it to a task (whatever the discovery script printed, see
 * {@code conf/gpu-discovery.sh} and {@code conf/gpu-discovery.md}) to the CUDA device ordinal this process sees.
 * The form of the address says how:
 * <ul>
 *   <li>a UUID ({@code GPU-8f6e...} as {@code nvidia-smi --query-gpu=uuid} prints it, or a MIG instance's
 *       {@code MIG-xxxxxxxx-xxxx-...} as {@code nvidia-smi -L} prints it): the device with that UUID, compared by its
 *       digits (case-insensitive; a {@code GPU-} or {@code MIG-} prefix is ignored on either side, because CUDA
 *       reports a MIG instance's UUID as bare bytes, which {@link CudaBackends} prints with {@code GPU-}). The legacy
 *       MIG form {@code MIG-GPU-<uuid>/<gi>/<ci>} (drivers before R470) names no CUDA UUID and is refused with a
 *       message saying so;</li>
 *   <li>a PCI bus id ({@code 00000000:3B:00.0} as nvidia-smi prints it, {@code 0000:3b:00.0} as CUDA does): the
 *       device on that domain, bus, device and function (compared as numbers);</li>
 *   <li>an integer: {@code nvidia-smi}'s index, which ignores {@code CUDA_VISIBLE_DEVICES}. When that variable
 *       lists indices, the CUDA ordinal is the address's position in the list (the address must be in it);
 *       when it is unset or empty the address is the ordinal. When it lists UUIDs, an index cannot be mapped
 *       without NVML, and the mapping fails asking for a discovery script that prints UUIDs.</li>
 * </ul>
 * Anything else, or an address that matches no device, is an {@link IllegalArgumentException} that says which
 * devices exist. Pure: the device identities come from the caller, so the rules are tested without a GPU.
 */
public final class GpuAddresses {
    private static final Pattern PCI = Pattern.compile(
            "^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])$");
    private static final Pattern INDEX = Pattern.compile("^\\d{1,4}$");

    private GpuAddresses() {
    }

    /**
     * What identifies one CUDA device of this process.
     *
     * @param ordinal  the CUDA ordinal ({@code cuDeviceGet})
     * @param uuid     {@code GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, or null when unknown
     * @param pciBusId as {@code cuDeviceGetPCIBusId} prints it, e.g. {@code 0000:3B:00.0}, or null
     */
    public record Device(int ordinal, String uuid, String pciBusId) {
    }

    /** The ordinal for {@code address} among {@code devices}, with {@code cudaVisibleDevices} as the process's. */
    public static int ordinal(String address, List<Device> devices, String cudaVisibleDevices) {
        String a = address == null ? "" : address.trim();
        if (a.isEmpty()) {
            throw new IllegalArgumentException("empty GPU address");
        }
        if (isUuid(a)) {
            if (a.indexOf('/') >= 0) {
                throw new IllegalArgumentException("GPU address " + a + " is a MIG address in the legacy form"
                        + " MIG-GPU-<uuid>/<gi>/<ci>, which CUDA does not report: let the discovery script print the"
                        + " MIG instance's UUID (MIG-xxxxxxxx-..., as nvidia-smi -L prints it) "
                        + seen(devices, cudaVisibleDevices));
            }
            String want = stripUuid(a);
            for (Device d : devices) {
                if (d.uuid() != null && stripUuid(d.uuid()).equals(want)) {
                    return d.ordinal();
                }
            }
            throw new IllegalArgumentException("no CUDA device has UUID " + a + " " + seen(devices, cudaVisibleDevices));
        }
        long[] pci = pci(a);
        if (pci != null && !INDEX.matcher(a).matches()) {
            for (Device d : devices) {
                long[] p = d.pciBusId() == null ? null : pci(d.pciBusId());
                if (p != null && java.util.Arrays.equals(p, pci)) {
                    return d.ordinal();
                }
            }
            throw new IllegalArgumentException("no CUDA device is on PCI bus id " + a + " " + seen(devices, cudaVisibleDevices));
        }
        if (INDEX.matcher(a).matches()) {
            int index = Integer.parseInt(a);
            List<String> visible = visible(cudaVisibleDevices);
            int ordinal;
            if (visible.isEmpty()) {
                ordinal = index;
            } else if (visible.stream().allMatch(v -> INDEX.matcher(v).matches())) {
                ordinal = -1;
                for (int i = 0; i < visible.size(); i++) {
                    if (Integer.parseInt(visible.get(i)) == index) {
                        ordinal = i;
                        break;
                    }
                }
                if (ordinal < 0) {
                    throw new IllegalArgumentException("GPU index " + a + " is not in CUDA_VISIBLE_DEVICES="
                            + cudaVisibleDevices + " (the discovery script's nvidia-smi indices ignore that variable)");
                }
            } else {
                throw new IllegalArgumentException("GPU index " + a + " cannot be mapped while CUDA_VISIBLE_DEVICES="
                        + cudaVisibleDevices + " names devices by UUID: let the discovery script print UUIDs"
                        + " (conf/gpu-discovery.sh with SNN_GPU_ADDRESS=uuid)");
            }
            for (Device d : devices) {
                if (d.ordinal() == ordinal) {
                    return ordinal;
                }
            }
            throw new IllegalArgumentException("GPU index " + a + " is CUDA device " + ordinal + ", which does not exist "
                    + seen(devices, cudaVisibleDevices));
        }
        throw new IllegalArgumentException("GPU address '" + a + "' is neither an index, a UUID (GPU-... or MIG-...) nor a PCI"
                + " bus id (0000:3B:00.0) " + seen(devices, cudaVisibleDevices));
    }

    static boolean isUuid(String a) {
        String l = a.toLowerCase(Locale.ROOT);
        return l.startsWith("gpu-") || l.startsWith("mig-");
    }

    /** A UUID's digits: lower case, without its {@code GPU-} or {@code MIG-} prefix. */
    static String stripUuid(String u) {
        String l = u.trim().toLowerCase(Locale.ROOT);
        return l.startsWith("gpu-") || l.startsWith("mig-") ? l.substring(4) : l;
    }

    /** {domain, bus, device, function}, or null when not a PCI bus id. */
    static long[] pci(String s) {
        Matcher m = PCI.matcher(s.trim());
        if (!m.matches()) {
            return null;
        }
        return new long[] {m.group(1) == null ? 0 : Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16),
                Long.parseLong(m.group(3), 16), Long.parseLong(m.group(4), 16)};
    }

    private static List<String> visible(String cudaVisibleDevices) {
        List<String> out = new ArrayList<>();
        if (cudaVisibleDevices != null) {
            for (String v : cudaVisibleDevices.split(",")) {
                if (!v.isBlank()) {
                    out.add(v.trim());
                }
            }
        }
        return out;
    }

    private static String seen(List<Device> devices, String cudaVisibleDevices) {
        StringBuilder sb = new StringBuilder("(this process sees ").append(devices.size()).append(" device(s)");
        for (Device d : devices) {
            sb.append("; ").append(d.ordinal()).append(": ").append(d.uuid()).append(", ").append(d.pciBusId());
        }
        if (cudaVisibleDevices != null) {
            sb.append("; CUDA_VISIBLE_DEVICES=").append(cudaVisibleDevices);
        }
        return sb.append(')').toString();
    }
}
