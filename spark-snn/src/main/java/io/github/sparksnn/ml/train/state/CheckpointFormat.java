package io.github.sparksnn.ml.train.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.sparksnn.train.optim.OptimizerState;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The bytes of one checkpoint file: data only, so that reading a file someone else wrote runs none of their code
 * (the earlier format was a Java-serialized object, and {@code readObject} instantiates whatever classes the stream
 * names). All numbers little-endian:
 * <pre>
 *   8 bytes   magic "SNNCKPT1"
 *   int32     n, the length of the JSON header (1 .. {@value #MAX_HEADER_BYTES})
 *   n bytes   the header, UTF-8 JSON: format, version, fingerprint, completedEpochs, globalStep,
 *             optimizer {kind, spec, step}, vectors [{name, dtype: "float32", length}], history [EpochMetrics]
 *   float32s  the vectors in the header's order: params, buffers (batch-norm running statistics), then
 *             optimizer.NAME for each optimizer buffer NAME ({@link UpdateRule#bufferNames()})
 *   int32     CRC-32 of all bytes before it
 * </pre>
 * Floats are stored as their raw bits, history doubles as JSON numbers (Java's shortest round-trip form; NaN and
 * the infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), so a resumed run sees the
 * bits that were saved.
 *
 * <p>Reading trusts nothing in the file: the header is bounded before it is read, every vector length is checked
 * against the model (parameter count, buffer count, the optimizer's kind and buffer names, taken from a fresh
 * update rule) before anything is allocated, the file length must be exactly what the header promises, and the
 * CRC must match. Every error names the file and the mismatch.
 */
final class CheckpointFormat {
    static final byte[] MAGIC = "SNNCKPT1".getBytes(StandardCharsets.US_ASCII);
    /** What a Java serialization stream starts with (STREAM_MAGIC, STREAM_VERSION): refused with its own message. */
    private static final byte[] JAVA_SERIALIZATION = {(byte) 0xAC, (byte) 0xED, 0x00, 0x05};
    /** Bound on the JSON header: the history takes about 600 bytes per epoch, so this holds over 10,000 epochs. */
    static final int MAX_HEADER_BYTES = 8 << 20;
    static final String FORMAT = "spark-snn checkpoint";
    static final int VERSION = 1;
    private static final int PREFIX_BYTES = 8 + 4;
    private static final int CHUNK_FLOATS = 1 << 14;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private CheckpointFormat() {
    }

    /** What a checkpoint must match to be read: the run's configuration, model sizes and a fresh update rule. */
    record Expected(String fingerprint, int numParams, int numBuffers, UpdateRule freshRule) {
    }

    // ---- writing ----

    /** Writes {@code cp} to {@code out} (not closed). */
    static void write(TrainingCheckpoint cp, OutputStream out) throws IOException {
        OptimizerState os = cp.optimizerState();
        float[][] ob = os.buffers();
        byte[] header = header(cp, os, cp.optimizerBufferNames(), ob);
        if (header.length > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("checkpoint header of " + header.length + " bytes exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit (history of " + cp.history().size() + " epochs)");
        }
        CheckedOutputStream c = new CheckedOutputStream(out, new CRC32());
        c.write(MAGIC);
        c.write(le(header.length));
        c.write(header);
        writeFloats(c, cp.params());
        writeFloats(c, cp.buffers());
        for (float[] b : ob) {
            writeFloats(c, b);
        }
        out.write(le((int) c.getChecksum().getValue()));
        out.flush();
    }

    private static byte[] header(TrainingCheckpoint cp, OptimizerState os, List<String> names, float[][] ob)
            throws JsonProcessingException {
        ObjectNode h = JSON.createObjectNode();
        h.put("format", FORMAT);
        h.put("version", VERSION);
        h.put("fingerprint", cp.fingerprint());
        h.put("completedEpochs", cp.completedEpochs());
        h.put("globalStep", cp.globalStep());
        ObjectNode o = h.putObject("optimizer");
        o.put("kind", os.optimizer());
        o.put("spec", os.spec());
        o.put("step", os.step());
        ArrayNode vs = h.putArray("vectors");
        vector(vs, "params", cp.params().length);
        vector(vs, "buffers", cp.buffers().length);
        for (int i = 0; i < ob.length; i++) {
            vector(vs, "optimizer." + names.get(i), ob[i].length);
        }
        ArrayNode hist = h.putArray("history");
        for (EpochMetrics m : cp.history()) {
            ObjectNode e = hist.addObject();
            for (RecordComponent rc : EpochMetrics.class.getRecordComponents()) {
                Object v = value(rc, m);
                if (v instanceof Integer i) {
                    e.put(rc.getName(), i);
                } else if (v instanceof Double d) {
                    if (Double.isFinite(d)) {
                        e.put(rc.getName(), d);
                    } else {
                        e.put(rc.getName(), d.toString()); // NaN, Infinity, -Infinity: not JSON numbers
                    }
                } else {
                    e.put(rc.getName(), (String) v);
                }
            }
        }
        return JSON.writeValueAsBytes(h);
    }

    private static void vector(ArrayNode vs, String name, int length) {
        ObjectNode v = vs.addObject();
        v.put("name", name);
        v.put("dtype", "float32");
        v.put("length", length);
    }

    private static Object value(RecordComponent rc, EpochMetrics m) {
        try {
            return rc.getAccessor().invoke(m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read EpochMetrics." + rc.getName(), e);
        }
    }

    private static void writeFloats(OutputStream out, float[] v) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * Math.min(v.length, CHUNK_FLOATS)).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < v.length; off += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, v.length - off);
            bb.clear();
            bb.asFloatBuffer().put(v, off, n); // raw bits, NaN payloads included
            out.write(bb.array(), 0, 4 * n);
        }
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    // ---- reading ----

    /**
     * Reads a checkpoint of {@code fileLength} bytes from {@code in}, named {@code file} in errors, saved after
     * {@code epochFromName} epochs (what its file name says).
     *
     * @throws IllegalArgumentException naming the file and the problem when the bytes are not a checkpoint of
     *                                  this run and model
     */
    static TrainingCheckpoint read(InputStream in, long fileLength, String file, int epochFromName, Expected ex)
            throws IOException {
        Reader r = new Reader(in, file);
        byte[] magic = r.bytes(MAGIC.length, "the magic number");
        if (!Arrays.equals(magic, MAGIC)) {
            if (Arrays.equals(Arrays.copyOf(magic, 4), JAVA_SERIALIZATION)) {
                throw r.bad("is a Java-serialized object, not a spark-snn checkpoint; it is refused unread, "
                        + "since deserializing it could run code from the file");
            }
            throw r.bad("is not a spark-snn checkpoint (it does not start with \"SNNCKPT1\")");
        }
        int headerLength = r.int32("the header length");
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw r.bad("declares a JSON header of " + headerLength + " bytes; the limit is 1 to "
                    + MAX_HEADER_BYTES);
        }
        if (PREFIX_BYTES + (long) headerLength + 4 > fileLength) {
            throw r.bad("is truncated: " + fileLength + " bytes cannot hold its " + headerLength + "-byte header");
        }
        JsonNode h;
        try {
            h = JSON.readTree(r.bytes(headerLength, "the header"));
        } catch (JsonProcessingException e) {
            throw r.bad("has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (h == null || !h.isObject()) {
            throw r.bad("has a header that is not a JSON object");
        }
        if (!FORMAT.equals(text(r, h, "format"))) {
            throw r.bad("is not a spark-snn checkpoint (format " + h.get("format") + ")");
        }
        long version = integer(r, h, "version", 1, Integer.MAX_VALUE);
        if (version != VERSION) {
            throw r.bad("has format version " + version + "; this spark-snn reads version " + VERSION);
        }
        String fingerprint = text(r, h, "fingerprint");
        if (!fingerprint.equals(ex.fingerprint())) {
            throw r.bad("belongs to another configuration:\n  checkpoint: " + fingerprint + "\n  this run:   "
                    + ex.fingerprint());
        }
        int epochs = (int) integer(r, h, "completedEpochs", 0, Integer.MAX_VALUE);
        if (epochs != epochFromName) {
            throw r.bad("holds epoch " + epochs + " but its name says " + epochFromName);
        }
        long globalStep = integer(r, h, "globalStep", 0, Long.MAX_VALUE);

        JsonNode o = object(r, h, "optimizer");
        String kind = text(r, o, "kind");
        String spec = text(r, o, "spec");
        long optimizerStep = integer(r, o, "step", 0, Long.MAX_VALUE);
        String expectedKind = ex.freshRule().state().optimizer();
        if (!kind.equals(expectedKind)) {
            throw r.bad("holds the state of optimizer " + kind + " (" + spec + "), this run uses " + expectedKind);
        }

        // The vector table, checked in full against the model before anything is allocated or read.
        JsonNode vs = h.get("vectors");
        if (vs == null || !vs.isArray()) {
            throw r.bad("has no \"vectors\" array in its header");
        }
        List<String> ruleNames = ex.freshRule().bufferNames();
        List<String> names = new ArrayList<>();
        int[] lengths = new int[vs.size()];
        long totalFloats = 0;
        for (int i = 0; i < vs.size(); i++) {
            JsonNode v = vs.get(i);
            if (!v.isObject()) {
                throw r.bad("has a vector entry that is not an object: " + v);
            }
            String name = text(r, v, "name");
            if (!"float32".equals(text(r, v, "dtype"))) {
                throw r.bad("stores vector " + name + " as " + v.get("dtype") + "; only float32 is read");
            }
            lengths[i] = (int) integer(r, v, "length", 0, Integer.MAX_VALUE);
            names.add(name);
            totalFloats += lengths[i];
        }
        List<String> withOptimizer = new ArrayList<>(List.of("params", "buffers"));
        ruleNames.forEach(n -> withOptimizer.add("optimizer." + n));
        if (!names.equals(List.of("params", "buffers")) && !names.equals(withOptimizer)) {
            throw r.bad("holds the vectors " + names + "; a checkpoint of this run holds " + withOptimizer
                    + (ruleNames.isEmpty() ? "" : " (or no optimizer buffers before the first step)"));
        }
        for (int i = 0; i < names.size(); i++) {
            String what = i == 0 ? "parameters" : i == 1 ? "buffer values (batch-norm running statistics)"
                    : "values in optimizer buffer " + names.get(i).substring("optimizer.".length());
            int want = i == 1 ? ex.numBuffers() : ex.numParams();
            if (lengths[i] != want) {
                throw r.bad("has " + lengths[i] + " " + what + ", the model " + want
                        + (i == 1 ? "" : " parameters"));
            }
        }
        long expectedLength = PREFIX_BYTES + (long) headerLength + 4 * totalFloats + 4;
        if (fileLength < expectedLength) {
            throw r.bad("is truncated: " + fileLength + " bytes, its header promises " + expectedLength);
        }
        if (fileLength > expectedLength) {
            throw r.bad("is " + fileLength + " bytes, its header promises " + expectedLength
                    + " (unexpected data after the vectors)");
        }

        List<EpochMetrics> history = history(r, h, epochs);

        float[] params = r.floats(lengths[0], "params");
        float[] buffers = r.floats(lengths[1], "buffers");
        float[][] ob = new float[names.size() - 2][];
        for (int i = 0; i < ob.length; i++) {
            ob[i] = r.floats(lengths[i + 2], names.get(i + 2));
        }
        int computed = (int) r.crc.getValue(); // taken before the trailer's own bytes enter the running CRC
        int stored = r.int32("the CRC-32");
        if (computed != stored) {
            throw r.bad("is corrupt: CRC-32 " + Integer.toHexString(computed) + " of its contents, "
                    + Integer.toHexString(stored) + " stored");
        }
        if (r.in.read() != -1) {
            throw r.bad("has data after its CRC-32"); // the length check makes this a file that grew while read
        }

        OptimizerState state;
        try {
            state = new OptimizerState(kind, spec, optimizerStep, ob);
            ex.freshRule().restore(state); // the rule's own shape checks (step count against buffers)
        } catch (IllegalArgumentException e) {
            throw r.bad("holds optimizer state that does not fit: " + e.getMessage());
        }
        return new TrainingCheckpoint(fingerprint, epochs, globalStep, params, buffers, state,
                ob.length == 0 ? List.of() : ruleNames, history);
    }

    private static List<EpochMetrics> history(Reader r, JsonNode h, int epochs) {
        JsonNode a = h.get("history");
        if (a == null || !a.isArray()) {
            throw r.bad("has no \"history\" array in its header");
        }
        if (a.size() != epochs) {
            throw r.bad("has a history of " + a.size() + " epochs after " + epochs + " completed epochs");
        }
        RecordComponent[] rcs = EpochMetrics.class.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            types[i] = rcs[i].getType();
        }
        List<EpochMetrics> out = new ArrayList<>(epochs);
        for (JsonNode e : a) {
            if (!e.isObject()) {
                throw r.bad("has a history entry that is not an object: " + e);
            }
            Object[] args = new Object[rcs.length];
            for (int i = 0; i < rcs.length; i++) {
                String name = rcs[i].getName();
                if (types[i] == int.class) {
                    args[i] = (int) integer(r, e, name, Integer.MIN_VALUE, Integer.MAX_VALUE);
                } else if (types[i] == double.class) {
                    args[i] = real(r, e, name);
                } else {
                    args[i] = text(r, e, name);
                }
            }
            try {
                out.add(EpochMetrics.class.getDeclaredConstructor(types).newInstance(args));
            } catch (ReflectiveOperationException x) {
                throw new IllegalStateException("cannot build EpochMetrics", x);
            }
        }
        return out;
    }

    private static String text(Reader r, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw r.bad("has no text field \"" + field + "\" in its header (found " + v + ")");
        }
        return v.textValue();
    }

    private static JsonNode object(Reader r, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isObject()) {
            throw r.bad("has no object \"" + field + "\" in its header (found " + v + ")");
        }
        return v;
    }

    private static long integer(Reader r, JsonNode n, String field, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min
                || v.longValue() > max) {
            throw r.bad("has no integer \"" + field + "\" in " + min + ".." + max + " in its header (found " + v
                    + ")");
        }
        return v.longValue();
    }

    private static double real(Reader r, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v != null && v.isNumber()) {
            return v.doubleValue();
        }
        if (v != null && v.isTextual()) {
            switch (v.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw r.bad("has no number \"" + field + "\" in its header (found " + v + ")");
    }

    /** Little-endian reads with a running CRC-32 and end-of-file errors that name the file. */
    private static final class Reader {
        final CRC32 crc = new CRC32();
        final DataInputStream in;
        final String file;

        Reader(InputStream raw, String file) {
            this.in = new DataInputStream(new CheckedInputStream(raw, crc));
            this.file = file;
        }

        IllegalArgumentException bad(String problem) {
            return new IllegalArgumentException("checkpoint " + file + " " + problem);
        }

        byte[] bytes(int n, String what) throws IOException {
            byte[] b = new byte[n];
            try {
                in.readFully(b);
            } catch (EOFException e) {
                throw bad("is truncated: it ends inside " + what);
            }
            return b;
        }

        int int32(String what) throws IOException {
            return ByteBuffer.wrap(bytes(4, what)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }

        float[] floats(int n, String name) throws IOException {
            float[] out = new float[n];
            byte[] buf = new byte[4 * Math.min(n, CHUNK_FLOATS)];
            for (int off = 0; off < n; off += CHUNK_FLOATS) {
                int k = Math.min(CHUNK_FLOATS, n - off);
                try {
                    in.readFully(buf, 0, 4 * k);
                } catch (EOFException e) {
                    throw bad("is truncated: it ends inside vector " + name);
                }
                ByteBuffer.wrap(buf, 0, 4 * k).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, off, k);
            }
            return out;
        }
    }
}
