package io.github.sparksnn.ml.train.net;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.util.Random;

/**
 * Why {@link FrameSeal} tags frames with AES-GCM: throughput of the candidates over one 6.4 MB vector (a model's
 * state or gradient, sent every step), fed in 256 KB pieces as PeerLink does, against a plain copy in the same run.
 * Run: {@code java -cp spark-snn/target/classes:spark-snn/target/test-classes
 * io.github.sparksnn.ml.train.net.MacThroughputBench}. Not a test: timings depend on the machine.
 */
public final class MacThroughputBench {
    private MacThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = 6_400_000;
        int piece = 1 << 18;
        byte[] data = new byte[n];
        new Random(1).nextBytes(data);
        byte[] out = new byte[n + 64];
        byte[] scratch = new byte[piece + 64];
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        SecretKeySpec key = new SecretKeySpec(new byte[16], "AES");
        long[] seq = {0};
        String[] names = {"plain copy", "HmacSHA256", "GMAC (AES-GCM, payload as AAD)",
            "AES-GCM tag (FrameSeal, ciphertext dropped)"};
        double[] best = new double[names.length];
        // The JDK's AES-GCM reaches its AES-NI/carry-less-multiply intrinsics only once C2 has compiled it (a few
        // thousand 256 KB pieces): many rounds, the best of each. GMAC stays slow and only gets the first ten.
        for (int round = 0; round < 100; round++) {
            for (int m = 0; m < names.length; m++) {
                if (m == 2 && round >= 10) {
                    continue;
                }
                long t0 = System.nanoTime();
                int reps = 5;
                for (int r = 0; r < reps; r++) {
                    switch (m) {
                        case 0 -> System.arraycopy(data, 0, out, 0, n);
                        case 1 -> {
                            for (int o = 0; o < n; o += piece) {
                                hmac.update(data, o, Math.min(piece, n - o));
                            }
                            hmac.doFinal();
                        }
                        default -> {
                            byte[] iv = new byte[12];
                            long s = seq[0]++;
                            for (int i = 0; i < 8; i++) {
                                iv[4 + i] = (byte) (s >>> (56 - 8 * i));
                            }
                            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                            for (int o = 0; o < n; o += piece) {
                                if (m == 2) {
                                    gcm.updateAAD(data, o, Math.min(piece, n - o));
                                } else {
                                    gcm.update(data, o, Math.min(piece, n - o), scratch, 0);
                                }
                            }
                            gcm.doFinal(scratch, 0);
                        }
                    }
                }
                double mbs = (double) reps * n / ((System.nanoTime() - t0) / 1e9) / 1e6;
                best[m] = Math.max(best[m], mbs);
            }
        }
        System.out.printf("%-46s %10s %14s%n", "over a 6.4 MB vector (best of 100 rounds)", "MB/s", "vs plain copy");
        for (int m = 0; m < names.length; m++) {
            System.out.printf("%-46s %10.0f %13.3fx%n", names[m], best[m], best[m] / best[0]);
        }
    }
}
