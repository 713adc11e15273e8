package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Spark GPU address to CUDA ordinal: index (with and without CUDA_VISIBLE_DEVICES), UUID, PCI bus id. */
class GpuAddressesTest {
    private static final List<GpuAddresses.Device> TWO = List.of(
            new GpuAddresses.Device(0, "GPU-8f6e2b1a-0000-1111-2222-333344445555", "0000:3B:00.0"),
            new GpuAddresses.Device(1, "GPU-1c2d3e4f-aaaa-bbbb-cccc-ddddeeeeffff", "0000:AF:00.0"));

    private static String failure(String address, String visible) {
        return assertThrows(IllegalArgumentException.class, () -> GpuAddresses.ordinal(address, TWO, visible))
                .getMessage();
    }

    @Test
    void anIndexIsTheOrdinalWithoutCudaVisibleDevices() {
        assertEquals(0, GpuAddresses.ordinal("0", TWO, null));
        assertEquals(1, GpuAddresses.ordinal(" 1 ", TWO, ""));
        String m = failure("2", null);
        assertTrue(m.contains("CUDA device 2, which does not exist") && m.contains("2 device(s)"), m);
    }

    @Test
    void anIndexIsItsPositionInANumericCudaVisibleDevices() {
        // the cluster gave this executor physical GPUs 5 and 7; nvidia-smi (the discovery script) prints 5 and 7
        assertEquals(0, GpuAddresses.ordinal("5", TWO, "5,7"));
        assertEquals(1, GpuAddresses.ordinal("7", TWO, " 5, 7 "));
        String m = failure("0", "5,7");
        assertTrue(m.contains("not in CUDA_VISIBLE_DEVICES=5,7"), m);
    }

    @Test
    void anIndexUnderUuidCudaVisibleDevicesAsksForUuids() {
        String m = failure("0", "GPU-8f6e2b1a-0000-1111-2222-333344445555");
        assertTrue(m.contains("let the discovery script print UUIDs"), m);
    }

    @Test
    void aUuidIsMatchedCaseInsensitivelyWithOrWithoutItsPrefix() {
        assertEquals(1, GpuAddresses.ordinal("GPU-1c2d3e4f-aaaa-bbbb-cccc-ddddeeeeffff", TWO, null));
        assertEquals(1, GpuAddresses.ordinal("gpu-1C2D3E4F-AAAA-BBBB-CCCC-DDDDEEEEFFFF", TWO, "1,0"));
        String m = failure("GPU-00000000-aaaa-bbbb-cccc-ddddeeeeffff", null);
        assertTrue(m.contains("no CUDA device has UUID") && m.contains("GPU-8f6e2b1a"), m);
        assertTrue(failure("MIG-1c2d3e4f", null).contains("no CUDA device has UUID"));
    }

    @Test
    void aMigUuidMatchesTheDeviceWithItsDigits() {
        // A MIG instance as CUDA reports it: its own UUID's bytes, printed by CudaBackends.uuid with GPU-.
        List<GpuAddresses.Device> mig = List.of(
                new GpuAddresses.Device(0, "GPU-8f6e2b1a-0000-1111-2222-333344445555", "0000:3B:00.0"),
                new GpuAddresses.Device(1, "GPU-c7384736-a75d-5afc-978f-d2f1294409fd", "0000:3B:00.0"));
        assertEquals(1, GpuAddresses.ordinal("MIG-c7384736-a75d-5afc-978f-d2f1294409fd", mig, null));
        assertEquals(1, GpuAddresses.ordinal("mig-C7384736-A75D-5AFC-978F-D2F1294409FD", mig, "MIG-c7384736"));
        // and a device list that spells it MIG- too
        List<GpuAddresses.Device> spelledMig = List.of(
                new GpuAddresses.Device(3, "MIG-c7384736-a75d-5afc-978f-d2f1294409fd", null));
        assertEquals(3, GpuAddresses.ordinal("MIG-c7384736-a75d-5afc-978f-d2f1294409fd", spelledMig, null));
        assertEquals(3, GpuAddresses.ordinal("GPU-c7384736-a75d-5afc-978f-d2f1294409fd", spelledMig, null));
        // other digits still match nothing
        String m = assertThrows(IllegalArgumentException.class,
                () -> GpuAddresses.ordinal("MIG-00000000-a75d-5afc-978f-d2f1294409fd", mig, null)).getMessage();
        assertTrue(m.contains("no CUDA device has UUID MIG-00000000"), m);
    }

    @Test
    void theLegacyMigFormIsRefusedSayingWhatToPrint() {
        String m = failure("MIG-GPU-8f6e2b1a-0000-1111-2222-333344445555/1/0", null);
        assertTrue(m.contains("legacy form") && m.contains("nvidia-smi -L") && m.contains("2 device(s)"), m);
    }

    @Test
    void stripUuidDropsEitherPrefix() {
        assertEquals("8f6e2b1a-0000", GpuAddresses.stripUuid(" GPU-8F6E2B1A-0000 "));
        assertEquals("8f6e2b1a-0000", GpuAddresses.stripUuid("MIG-8f6e2b1a-0000"));
        assertEquals("8f6e2b1a-0000", GpuAddresses.stripUuid("8f6e2b1a-0000"));
    }

    @Test
    void aPciBusIdIsMatchedAsNumbersInNvidiaSmisOrCudasSpelling() {
        assertEquals(0, GpuAddresses.ordinal("00000000:3B:00.0", TWO, null));   // nvidia-smi --query-gpu=pci.bus_id
        assertEquals(1, GpuAddresses.ordinal("0000:af:00.0", TWO, null));       // cuDeviceGetPCIBusId, lower case
        assertEquals(1, GpuAddresses.ordinal("AF:00.0", TWO, null));            // no domain: domain 0
        assertTrue(failure("0000:3B:00.1", null).contains("no CUDA device is on PCI bus id 0000:3B:00.1"));
    }

    @Test
    void anythingElseIsRejectedNamingTheForms() {
        String m = failure("gpu0", null);
        assertTrue(m.contains("neither an index, a UUID") && m.contains("'gpu0'"), m);
        assertTrue(failure(" ", null).contains("empty GPU address"));
    }

    @Test
    void uuidBytesArePrintedAsNvidiaSmiDoes() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) (0x10 * (i % 16) + i);
        }
        assertEquals("GPU-00112233-4455-6677-8899-aabbccddeeff", CudaBackends.uuid(b));
    }
}
