package io.github.sparksnn.ml.train.state;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.train.optim.OptimizerState;
import io.github.sparksnn.train.optim.Optimizers;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint file format and store: data only, checked against the model, written atomically. */
public class CheckpointStoreTest {
    static final int N = 37; // parameters
    static final int B = 5;  // buffer values
    static final String FP = "fingerprint|test";
    static final String[] SPECS = {"sgd", "sgd(momentum=0.9, nesterov=true)", "sgd(momentum=0.5, dampening=0.1)",
            "adam", "adamw(weight_decay=0.05)"};

    static UpdateRule rule(String spec) {
        return new OptimizerUpdateRule.Factory(spec).create(N);
    }

    static float[] vec(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Buffers with values whose bits a careless format would lose. */
    static float[] awkwardBuffers() {
        return new float[] {-0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x7fc00123), Float.NEGATIVE_INFINITY, 1e-3f};
    }

    static List<EpochMetrics> history(int epochs) {
        List<EpochMetrics> h = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            h.add(new EpochMetrics(e, 0.1 + 0.2 * e, 1.0 / 3, Double.NaN, Double.MIN_VALUE, Double.POSITIVE_INFINITY,
                    7, -0.0, 1e300, Double.NEGATIVE_INFINITY, "barrier \"q\" é", 0.1, Math.PI, Double.MAX_VALUE,
                    Math.ulp(1.0), e));
        }
        return h;
    }

    static TrainingCheckpoint checkpoint(UpdateRule rule, int epochs, float[] params) {
        return new TrainingCheckpoint(FP, epochs, 12L * epochs, params, awkwardBuffers(), rule.state(),
                rule.bufferNames(), history(epochs));
    }

    static CheckpointStore store(Path dir) {
        return new CheckpointStore(dir.toString(), new Configuration());
    }

    static TrainingCheckpoint latest(Path dir, String spec) {
        return store(dir).latest(FP, N, B, rule(spec)).orElseThrow();
    }

    static void assertBits(float[] a, float[] b, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + "[" + i + "]");
        }
    }

    @Test
    void everyOptimizerRoundTripsBitForBitAndResumesIdentically() throws IOException {
        for (String spec : SPECS) {
            for (int stepsBefore : new int[] {0, 3}) { // before the first step the state has no buffers
                Path dir = SparkTestSupport.tempDir("ckpt");
                Random r = new Random(7);
                UpdateRule a = rule(spec);
                float[] p = vec(r, N);
                for (int t = 0; t < stepsBefore; t++) {
                    a.step(p, vec(r, N), 1e-2);
                }
                TrainingCheckpoint saved = checkpoint(a, 2, p.clone());
                store(dir).save(saved);
                TrainingCheckpoint back = latest(dir, spec);
                String what = spec + " after " + stepsBefore + " steps";
                assertEquals(FP, back.fingerprint());
                assertEquals(2, back.completedEpochs());
                assertEquals(24, back.globalStep());
                assertBits(saved.params(), back.params(), what + " params");
                assertBits(saved.buffers(), back.buffers(), what + " buffers");
                assertEquals(saved.optimizerState(), back.optimizerState(), what);
                float[][] sb = saved.optimizerState().buffers(), bb = back.optimizerState().buffers();
                for (int i = 0; i < sb.length; i++) {
                    assertBits(sb[i], bb[i], what + " optimizer buffer " + i);
                }
                assertEquals(saved.optimizerBufferNames(), back.optimizerBufferNames(), what);
                // record equality compares doubles by Double.compare: NaN, -0.0 and the infinities included
                assertEquals(saved.history(), back.history(), what);

                // a rule restored from the file continues exactly as the one that never stopped
                UpdateRule b = rule(spec);
                b.restore(back.optimizerState());
                float[] pa = p.clone(), pb = back.params().clone();
                for (int t = 0; t < 3; t++) {
                    float[] g = vec(r, N);
                    a.step(pa, g, 1e-2);
                    b.step(pb, g, 1e-2);
                }
                assertBits(pa, pb, what + " after resuming");
            }
        }
    }

    @Test
    void theNamedBuffersAreInTheHeader() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        UpdateRule a = rule("adam");
        a.step(new float[N], vec(new Random(1), N), 0.1);
        store(dir).save(checkpoint(a, 1, new float[N]));
        String header = header(dir.resolve("checkpoint-epoch-00001.ckpt"));
        assertTrue(header.contains("\"optimizer.exp_avg\"") && header.contains("\"optimizer.exp_avg_sq\"")
                && header.contains("\"kind\":\"adam\""), header);
    }

    @Test
    void sizesThatDoNotFitTheModelAreRejectedNamingFileAndMismatch() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        UpdateRule a = rule("adam");
        a.step(new float[N], vec(new Random(1), N), 0.1);
        store(dir).save(checkpoint(a, 3, new float[N]));
        String file = "checkpoint-epoch-00003.ckpt";
        assertRejected(() -> store(dir).latest(FP, N + 1, B, new OptimizerUpdateRule.Factory("adam").create(N + 1)),
                file, "has " + N + " parameters, the model " + (N + 1));
        assertRejected(() -> store(dir).latest(FP, N, B - 1, rule("adam")), file, "has " + B + " buffer values");
        assertRejected(() -> store(dir).latest(FP, N, B, rule("sgd(momentum=0.9)")), file,
                "optimizer adam");
        assertRejected(() -> store(dir).latest(FP, N, B, rule("adamw")), file, "this run uses adamw");
        assertRejected(() -> store(dir).latest("other", N, B, rule("adam")), file, "another configuration");
        // a name that disagrees with the contents
        Files.move(dir.resolve(file), dir.resolve("checkpoint-epoch-00004.ckpt"));
        assertRejected(() -> latest(dir, "adam"), "checkpoint-epoch-00004.ckpt", "holds epoch 3 but its name says 4");
    }

    @Test
    void truncatedOversizedAndCorruptFilesAreRejected() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        UpdateRule a = rule("sgd(momentum=0.9)");
        a.step(new float[N], vec(new Random(1), N), 0.1);
        store(dir).save(checkpoint(a, 1, vec(new Random(2), N)));
        Path f = dir.resolve("checkpoint-epoch-00001.ckpt");
        byte[] good = Files.readAllBytes(f);
        int headerLength = ByteBuffer.wrap(good, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();

        for (int cut : new int[] {0, 5, 10, 12 + headerLength / 2, 12 + headerLength + 10, good.length - 2}) {
            Files.write(f, Arrays.copyOf(good, cut));
            assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), f.getFileName().toString(),
                    "is truncated");
        }
        byte[] longer = Arrays.copyOf(good, good.length + 4);
        Files.write(f, longer);
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt",
                "unexpected data after the vectors");

        byte[] huge = good.clone();
        ByteBuffer.wrap(huge, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(CheckpointFormat.MAX_HEADER_BYTES + 1);
        Files.write(f, huge);
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt", "the limit is");

        byte[] negative = good.clone();
        ByteBuffer.wrap(negative, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
        Files.write(f, negative);
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt", "-1 bytes");

        byte[] flipped = good.clone();
        flipped[good.length - 20] ^= 1; // inside the last vector
        Files.write(f, flipped);
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt", "corrupt: CRC-32");

        // a header whose vector table promises more floats than the model has: refused before any allocation
        String h = new String(good, 12, headerLength, java.nio.charset.StandardCharsets.UTF_8);
        String bigger = h.replace("\"length\":" + N, "\"length\":2000000000");
        assertFalse(bigger.equals(h));
        Files.write(f, withHeader(good, headerLength, bigger));
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt",
                "has 2000000000 parameters, the model " + N);

        String notJson = "{\"format\": ";
        Files.write(f, withHeader(good, headerLength, notJson));
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt", "not valid JSON");

        Files.write(f, "hello, this is not a checkpoint".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertRejected(() -> latest(dir, "sgd(momentum=0.9)"), "checkpoint-epoch-00001.ckpt",
                "does not start with \"SNNCKPT1\"");

        Files.write(f, good); // and the intact file still reads
        assertEquals(1, latest(dir, "sgd(momentum=0.9)").completedEpochs());
    }

    @Test
    void optimizerStateThatDoesNotFitTheRuleIsRejected() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        // adam buffers at step 0: the names and lengths fit, the rule's own check does not
        OptimizerState s = new OptimizerState("adam", "adam", 0, new float[][] {new float[N], new float[N]});
        store(dir).save(new TrainingCheckpoint(FP, 1, 1, new float[N], new float[B], s,
                List.of("exp_avg", "exp_avg_sq"), history(1)));
        assertRejected(() -> latest(dir, "adam"), "checkpoint-epoch-00001.ckpt", "optimizer state that does not fit");
        // buffers under names another optimizer uses
        OptimizerState m = new OptimizerState("adam", "adam", 2, new float[][] {new float[N]});
        store(dir).save(new TrainingCheckpoint(FP, 2, 1, new float[N], new float[B], m, List.of("momentum_buffer"),
                history(2)));
        assertRejected(() -> latest(dir, "adam"), "checkpoint-epoch-00002.ckpt",
                "[params, buffers, optimizer.momentum_buffer]");
    }

    /** Deserializing it writes {@code marker}: what an attacker's gadget would do instead. */
    public static final class MarkerPayload implements Serializable {
        private static final long serialVersionUID = 1L;
        final String marker;

        public MarkerPayload(String marker) {
            this.marker = marker;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Files.writeString(Path.of(marker), "code ran while reading a checkpoint");
        }
    }

    public static byte[] javaSerialized(Object o) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bo)) {
            out.writeObject(o);
        }
        return bo.toByteArray();
    }

    @Test
    void javaSerializedFilesAreRefusedUnread() throws Exception {
        Path dir = SparkTestSupport.tempDir("ckpt");
        Path marker = dir.resolve("marker");
        byte[] payload = javaSerialized(new MarkerPayload(marker.toString()));
        // the payload works: reading it with Java serialization, as the old store did, writes the marker
        Path proof = dir.resolve("proof");
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(
                javaSerialized(new MarkerPayload(proof.toString()))))) {
            in.readObject();
        }
        assertTrue(Files.exists(proof));

        Path old = dir.resolve("old");
        Files.createDirectories(old);
        Files.write(old.resolve("checkpoint-epoch-00003.bin"), payload); // the old format's name
        assertRejected(() -> latest(old, "adam"), "checkpoint-epoch-00003.bin", "old format");
        Path renamed = dir.resolve("renamed");
        Files.createDirectories(renamed);
        Files.write(renamed.resolve("checkpoint-epoch-00003.ckpt"), payload); // the new format's name
        assertRejected(() -> latest(renamed, "adam"), "checkpoint-epoch-00003.ckpt", "Java-serialized object");
        assertFalse(Files.exists(marker), "the checkpoint's payload ran");

        // an old file older than the newest checkpoint of the new format is left alone
        UpdateRule a = rule("adam");
        store(old).save(checkpoint(a, 4, new float[N]));
        assertEquals(4, latest(old, "adam").completedEpochs());
        assertFalse(Files.exists(marker), "the checkpoint's payload ran");
    }

    /** A stream that fails after {@code limit} bytes, as a full disk or a lost connection would. */
    static UnaryOperator<OutputStream> failingAfter(int limit) {
        return out -> new FilterOutputStream(out) {
            int written;

            @Override
            public void write(int b) throws IOException {
                if (++written > limit) {
                    throw new IOException("disk full (test)");
                }
                super.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = 0; i < len; i++) {
                    write(b[off + i]);
                }
            }
        };
    }

    @Test
    void aFailedWriteOrALeftoverTemporaryFileLeavesTheLastGoodCheckpoint() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        UpdateRule a = rule("adamw");
        Random r = new Random(3);
        a.step(new float[N], vec(r, N), 0.1);
        float[] good = vec(r, N);
        store(dir).save(checkpoint(a, 2, good.clone()));

        // a crash mid-write leaves a temporary file behind: readers ignore it
        Files.write(dir.resolve(".checkpoint-epoch-00003.ckpt.0f1e.tmp"), new byte[] {1, 2, 3});
        assertBits(good, latest(dir, "adamw").params(), "after a leftover temporary file");

        // a write of the next epoch that fails half way
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> store(dir).save(checkpoint(a, 3, vec(r, N)), failingAfter(200)));
        assertTrue(e.getMessage().contains("checkpoint-epoch-00003.ckpt") && e.getMessage().contains("disk full"),
                e.getMessage());
        // a rewrite of the same epoch that fails half way: the earlier file of that name is not touched
        assertThrows(UncheckedIOException.class, () -> store(dir).save(checkpoint(a, 2, vec(r, N)),
                failingAfter(300)));
        TrainingCheckpoint back = latest(dir, "adamw");
        assertEquals(2, back.completedEpochs());
        assertBits(good, back.params(), "after failed writes");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            // the failed writes removed their temporary files; no .crc side files
            assertEquals(List.of(".checkpoint-epoch-00003.ckpt.0f1e.tmp", "checkpoint-epoch-00002.ckpt"), names);
        }

        // a successful rewrite of the same epoch replaces the file
        float[] newer = vec(r, N);
        store(dir).save(checkpoint(a, 2, newer.clone()));
        assertBits(newer, latest(dir, "adamw").params(), "after rewriting epoch 2");
    }

    @Test
    void anEmptyOrMissingDirectoryHasNoCheckpoint() throws IOException {
        Path dir = SparkTestSupport.tempDir("ckpt");
        assertTrue(store(dir).latest(FP, N, B, rule("adam")).isEmpty());
        assertTrue(store(dir.resolve("missing")).latest(FP, N, B, rule("adam")).isEmpty());
    }

    static byte[] withHeader(byte[] good, int headerLength, String header) {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(good.length - headerLength + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(good, 0, 8).putInt(h.length).put(h).put(good, 12 + headerLength, good.length - 12 - headerLength);
        return b.array();
    }

    static String header(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int n = ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return new String(b, 12, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void assertRejected(org.junit.jupiter.api.function.Executable read, String file, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, read);
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(problem),
                "expected '" + file + "' and '" + problem + "' in: " + e.getMessage());
    }
}
