package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.OrderedSum;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;

/**
 * One authenticated, framed connection between a task and its parent (a task or the driver): plain JDK sockets
 * with blocking streams, a 40-byte {@link Frame} header and raw little-endian payloads.
 *
 * <p>Why plain sockets and not Netty or gRPC: the conversation is a fixed tree of long-lived connections, each
 * carrying one large message each way per step in lock step, so a thread per connection with blocking reads is
 * the simplest correct design and an asynchronous event loop buys nothing; the JDK needs no dependency (Netty
 * would have to match the exact version of the Spark it runs in) and gives read timeouts ({@code SO_TIMEOUT})
 * that turn a hung peer into an error naming the partition and step.
 *
 * <p>Authentication: the server sends a random 32-byte nonce; the client answers with
 * {@code HMAC-SHA256(secret, nonce || run || attempt || partition)}, so the run's secret, which reaches tasks in
 * their closure, never crosses this socket. Anything unexpected (magic, version, run, attempt, type, length)
 * raises a {@link ProtocolException} with the reason; callers close the link.
 */
public final class PeerLink implements AutoCloseable {
    /** Upper bound on one payload: 2^31 - 64 bytes (a Java array), far above any model's vectors. */
    static final long MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    private static final int NONCE_BYTES = 32;
    private static final int MAC_BYTES = 32;
    private static final int NODE_HEADER_BYTES = 4 + 8 + 8 + 8 + 8 + 8 + 8 + 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long run;
    private int attempt;
    private final int partition;
    private int peerPartition;
    private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] payload = new byte[0];
    private long bytesSent;
    private long bytesReceived;

    private PeerLink(Socket socket, long run, int attempt, int partition, int peerPartition) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        this.run = run;
        this.attempt = attempt;
        this.partition = partition;
        this.peerPartition = peerPartition;
    }

    /** A run's identity on the wire: its 64-bit id and its random secret. */
    public record Credentials(long run, byte[] secret) implements java.io.Serializable {
        public Credentials {
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("a run secret needs at least 16 bytes");
            }
        }

        /** Fresh credentials: a random run id and a 32-byte secret from {@link SecureRandom}. */
        public static Credentials random() {
            byte[] s = new byte[32];
            RANDOM.nextBytes(s);
            return new Credentials(RANDOM.nextLong(), s);
        }

        @Override
        public String toString() {
            return "Credentials(run " + Long.toHexString(run) + ", secret hidden)";
        }
    }

    static void tune(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        s.setSendBufferSize(4 << 20);
        s.setReceiveBufferSize(4 << 20);
        s.setKeepAlive(true);
    }

    /**
     * Client side: connects to a parent and proves knowledge of the secret for ({@code attempt}, {@code partition}).
     * {@code readTimeoutMs} bounds every later read (0: none).
     */
    public static PeerLink connect(String host, int port, Credentials c, int attempt, int partition, int parentPartition,
                                   int connectTimeoutMs, int readTimeoutMs) throws IOException {
        Socket s = new Socket();
        try {
            tune(s);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            s.setSoTimeout(connectTimeoutMs);
            PeerLink link = new PeerLink(s, c.run(), attempt, partition, parentPartition);
            Frame hello = link.readHeader("the handshake");
            if (hello.type() != Frame.HELLO || hello.length() != NONCE_BYTES) {
                throw new ProtocolException("expected HELLO with a " + NONCE_BYTES + "-byte nonce, got " + hello);
            }
            byte[] nonce = link.in.readNBytes(NONCE_BYTES);
            if (nonce.length != NONCE_BYTES) {
                throw new EOFException("connection closed inside the HELLO frame");
            }
            byte[] mac = mac(c.secret(), nonce, c.run(), attempt, partition);
            link.writeHeader(Frame.AUTH, 0, 0, MAC_BYTES);
            link.out.write(mac);
            link.out.flush();
            s.setSoTimeout(readTimeoutMs);
            return link;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Server side: sends a nonce and checks the answer. The claimed attempt and partition are returned in the link
     * ({@link #peerPartition()}, {@link #peerAttempt()}); the caller decides whether it expects them.
     */
    public static PeerLink accept(Socket s, Credentials c, int serverPartition, int handshakeTimeoutMs,
                                  int readTimeoutMs) throws IOException {
        try {
            tune(s);
            s.setSoTimeout(handshakeTimeoutMs);
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            PeerLink probe = new PeerLink(s, c.run(), 0, serverPartition, -2);
            probe.writeHeader(Frame.HELLO, 0, 0, NONCE_BYTES);
            probe.out.write(nonce);
            probe.out.flush();
            Frame auth;
            try {
                auth = probe.readHeader("the handshake");
            } catch (SocketTimeoutException e) {
                throw new ProtocolException("no AUTH within " + handshakeTimeoutMs + " ms of connecting");
            }
            if (auth.type() != Frame.AUTH || auth.length() != MAC_BYTES) {
                throw new ProtocolException("expected AUTH with a " + MAC_BYTES + "-byte MAC, got " + auth);
            }
            byte[] got = probe.in.readNBytes(MAC_BYTES);
            if (got.length != MAC_BYTES) {
                throw new ProtocolException("truncated AUTH frame (" + got.length + " of " + MAC_BYTES + " bytes)");
            }
            byte[] want = mac(c.secret(), nonce, c.run(), auth.attempt(), auth.partition());
            if (!MessageDigest.isEqual(want, got)) {
                throw new ProtocolException("wrong secret: the AUTH answer of a peer claiming partition "
                        + auth.partition() + " does not match");
            }
            s.setSoTimeout(readTimeoutMs);
            // The same link (and its buffered stream, which may already hold the peer's next frame) from now on.
            probe.attempt = auth.attempt();
            probe.peerPartition = auth.partition();
            probe.peerAttempt = auth.attempt();
            return probe;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private int peerAttempt;

    /** The attempt the peer authenticated for (server side). */
    public int peerAttempt() {
        return peerAttempt;
    }

    /** The partition at the other end ({@code -1}: the driver). */
    public int peerPartition() {
        return peerPartition;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    /** Changes the read timeout of later reads (ms, 0: none). */
    public void readTimeout(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    static byte[] mac(byte[] secret, byte[] nonce, long run, int attempt, int partition) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            m.update(nonce);
            m.update(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(run).putInt(attempt)
                    .putInt(partition).array());
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private void writeHeader(int type, int epoch, int step, long length) throws IOException {
        header.clear();
        header.putInt(Frame.MAGIC).putShort(Frame.VERSION).putShort((short) type).putLong(run).putInt(attempt)
                .putInt(epoch).putInt(step).putInt(partition).putLong(length);
        out.write(header.array(), 0, Frame.HEADER_BYTES);
        bytesSent += Frame.HEADER_BYTES + length;
    }

    /** Reads and checks the next header: magic, version, run and a sane length. {@code what} names the wait. */
    public Frame readHeader(String what) throws IOException {
        byte[] h = header.array();
        int n = in.readNBytes(h, 0, Frame.HEADER_BYTES);
        if (n == 0) {
            throw new EOFException("connection closed by " + peerName() + " while waiting for " + what);
        }
        if (n < Frame.HEADER_BYTES) {
            throw new ProtocolException("truncated frame header from " + peerName() + " (" + n + " of "
                    + Frame.HEADER_BYTES + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        short version = b.getShort();
        int type = b.getShort();
        long r = b.getLong();
        Frame f = new Frame(type, r, b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getLong());
        if (magic != Frame.MAGIC) {
            throw new ProtocolException("bad magic 0x" + Integer.toHexString(magic) + " from " + peerName());
        }
        if (version != Frame.VERSION) {
            throw new ProtocolException("protocol version " + version + " from " + peerName() + ", expected "
                    + Frame.VERSION);
        }
        if (r != run) {
            throw new ProtocolException("stale or foreign run " + Long.toHexString(r) + " from " + peerName()
                    + " (this run is " + Long.toHexString(run) + ")");
        }
        if (f.length() < 0 || f.length() > MAX_PAYLOAD) {
            throw new ProtocolException("impossible payload length " + f.length() + " in " + f);
        }
        bytesReceived += Frame.HEADER_BYTES;
        return f;
    }

    private String peerName() {
        return peerPartition == -1 ? "the driver" : peerPartition == -2 ? "a connecting peer"
                : "partition " + peerPartition;
    }

    /** Largest address a REGISTER frame carries. */
    static final int MAX_ADDRESS_BYTES = 1024;

    /** Tells the driver where this task listens for its children ({@code host:port}, empty when it has none). */
    public void sendRegister(String address) throws IOException {
        byte[] a = address.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (a.length > MAX_ADDRESS_BYTES) {
            throw new IllegalArgumentException("address longer than " + MAX_ADDRESS_BYTES + " bytes: " + address);
        }
        writeHeader(Frame.REGISTER, 0, 0, a.length);
        out.write(a);
        out.flush();
    }

    /** Reads a task's REGISTER frame (the first after the handshake) and returns its address. */
    public String readRegister() throws IOException {
        Frame f = readHeader("the task's registration");
        if (f.type() != Frame.REGISTER) {
            throw new ProtocolException("expected REGISTER from " + peerName() + ", got " + f);
        }
        if (f.length() > MAX_ADDRESS_BYTES) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": an address has at most "
                    + MAX_ADDRESS_BYTES + " bytes");
        }
        byte[] b = new byte[(int) f.length()];
        readFully(b, b.length, f);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Sends every task's address, in partition order. */
    public void sendPeers(String[] addresses) throws IOException {
        byte[] a = String.join("\n", addresses).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        writeHeader(Frame.PEERS, 0, 0, a.length);
        out.write(a);
        out.flush();
    }

    /** Reads the driver's PEERS frame: {@code n} addresses in partition order. */
    public String[] readPeers(int n) throws IOException {
        Frame f = readHeader("the other tasks' addresses");
        if (f.type() != Frame.PEERS || f.length() > (long) n * (MAX_ADDRESS_BYTES + 1)) {
            throw new ProtocolException("expected PEERS with " + n + " addresses from " + peerName() + ", got " + f);
        }
        byte[] b = new byte[(int) f.length()];
        readFully(b, b.length, f);
        String[] a = new String(b, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
        if (a.length != n) {
            throw new ProtocolException("PEERS from " + peerName() + " lists " + a.length + " addresses, expected " + n);
        }
        return a;
    }

    /** Largest root-cause message an ERROR frame carries. */
    static final int MAX_ERROR_BYTES = 4096;

    /**
     * Best effort: tells the parent this task failed and why, so the root cause reaches the driver. Payload: one byte,
     * 1 when the failure is fatal (would repeat on a restart), then the message in UTF-8.
     */
    public void sendError(int epoch, int step, String rootCause, boolean fatal) {
        byte[] m = String.valueOf(rootCause).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = Math.min(m.length, MAX_ERROR_BYTES - 1);
        try {
            writeHeader(Frame.ERROR, epoch, step, n + 1L);
            out.write(fatal ? 1 : 0);
            out.write(m, 0, n);
            out.flush();
        } catch (IOException ignored) {
            // the parent is gone: the stage fails anyway
        }
    }

    /**
     * Checks that a received header is {@code type} for (attempt, epoch, step) from the expected sender. An ERROR
     * frame raises {@link PeerFailure} with the sender's root cause.
     */
    public void expect(Frame f, int type, int epoch, int step) throws IOException {
        if (f.type() == Frame.ERROR && type != Frame.ERROR) {
            if (f.length() < 1 || f.length() > MAX_ERROR_BYTES) {
                throw new ProtocolException("ERROR frame of impossible length from " + peerName() + ": " + f);
            }
            byte[] b = new byte[(int) f.length()];
            readFully(b, b.length, f);
            throw new PeerFailure(new String(b, 1, b.length - 1, java.nio.charset.StandardCharsets.UTF_8), b[0] == 1);
        }
        if (f.type() != type) {
            throw new ProtocolException("expected " + Frame.typeName(type) + " for epoch " + epoch + ", step " + step
                    + " from " + peerName() + ", got " + f);
        }
        if (f.attempt() != attempt && peerPartition != -1) {
            throw new ProtocolException("stale attempt in " + f + " from " + peerName() + " (current " + attempt + ")");
        }
        if (f.epoch() != epoch || f.step() != step) {
            throw new ProtocolException("stale or future step in " + f + " from " + peerName() + ": expected epoch "
                    + epoch + ", step " + step);
        }
        if (f.partition() != peerPartition) {
            throw new ProtocolException(f + " claims partition " + f.partition() + " on the link of " + peerName());
        }
    }

    private byte[] payload(int n) {
        if (payload.length < n) {
            payload = new byte[n];
        }
        return payload;
    }

    private void readFully(byte[] b, int n, Frame f) throws IOException {
        int got = in.readNBytes(b, 0, n);
        if (got != n) {
            throw new ProtocolException("truncated " + f + " from " + peerName() + ": connection closed after " + got
                    + " of " + n + " payload bytes");
        }
        bytesReceived += n;
    }

    /** Floats per piece when a vector is encoded, decoded or relayed: 256 KB, so the pieces pipeline. */
    static final int CHUNK_FLOATS = 1 << 16;

    /** Sends the state a round starts from: {@code state[0 .. dim)} as raw floats, encoded piece by piece. */
    public void sendState(int epoch, int step, float[] state, int dim) throws IOException {
        writeHeader(Frame.STATE, epoch, step, dim * 4L);
        byte[] b = payload(Math.min(dim, CHUNK_FLOATS) * 4);
        for (int off = 0; off < dim; off += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, dim - off);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(state, off, n);
            out.write(b, 0, n * 4);
        }
        out.flush();
    }

    /**
     * Sends the change of the state since the last one as bfloat16 values ({@code delta[i]} already rounded by the
     * caller, which applies the same rounded change to its own copy so both sides keep equal states).
     */
    public void sendDelta16(int epoch, int step, short[] delta, int dim) throws IOException {
        writeHeader(Frame.DELTA16, epoch, step, dim * 2L);
        byte[] b = payload(Math.min(dim, CHUNK_FLOATS) * 2);
        for (int off = 0; off < dim; off += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, dim - off);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().put(delta, off, n);
            out.write(b, 0, n * 2);
        }
        out.flush();
    }

    /**
     * Reads a STATE payload of exactly {@code dim} floats into {@code into} (or a DELTA16 payload, added to it) and
     * relays it to {@code children} as it
     * arrives, piece by piece, so a child starts receiving before this task has the whole vector (the state moves
     * down the tree in a pipeline rather than one hop after another).
     */
    public void relayState(Frame f, float[] into, int dim, PeerLink[] children) throws IOException {
        boolean delta = f.type() == Frame.DELTA16;
        int width = delta ? 2 : 4;
        if (f.length() != (long) dim * width) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": expected " + (long) dim * width
                    + " bytes (" + dim + (delta ? " bfloat16 values)" : " floats)"));
        }
        for (PeerLink c : children) {
            c.writeHeader(f.type(), f.epoch(), f.step(), (long) dim * width);
        }
        byte[] b = payload(Math.min(dim, CHUNK_FLOATS) * width);
        for (int off = 0; off < dim; off += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, dim - off);
            readFully(b, n * width, f);
            for (PeerLink c : children) {
                c.out.write(b, 0, n * width);
                c.out.flush();
            }
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (delta) {
                for (int i = 0; i < n; i++) {
                    into[off + i] += Bf16.decode(bb.getShort(2 * i));
                }
            } else {
                bb.asFloatBuffer().get(into, off, n);
            }
        }
        for (PeerLink c : children) {
            c.out.flush();
        }
    }

    /** Sends the end of the epoch. */
    public void sendEnd(int epoch, int step) throws IOException {
        writeHeader(Frame.END, epoch, step, 0);
        out.flush();
    }

    /** Reads a STATE payload of exactly {@code dim} floats into {@code into}. */
    public void readState(Frame f, float[] into, int dim) throws IOException {
        if (f.length() != dim * 4L) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": expected " + dim * 4L
                    + " bytes (" + dim + " floats)");
        }
        byte[] b = payload(dim * 4);
        readFully(b, dim * 4, f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, 0, dim);
    }

    /**
     * Sends a partial sum: {@code long pathNanos} (time spent adding partial sums along the slowest path below and
     * at the sender), {@code int count} nodes, each {@code int level, long index, double lossSum, long correct,
     * long count, long computeNanos, long maxComputeNanos, byte present} followed by {@code dim} floats when
     * present (an absent vector is a zero vector: an empty partition).
     */
    public void sendPartial(int epoch, int step, List<OrderedSum.Pending> nodes, int dim, long pathNanos)
            throws IOException {
        sendPartial(epoch, step, nodes, dim, pathNanos, false);
    }

    /** As {@link #sendPartial(int, int, List, int, long)}, the vectors as bfloat16 values when {@code bf16}. */
    public void sendPartial(int epoch, int step, List<OrderedSum.Pending> nodes, int dim, long pathNanos, boolean bf16)
            throws IOException {
        int width = bf16 ? 2 : 4;
        long len = partialLength(nodes, dim, width);
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("partial sum of " + len + " bytes exceeds one frame");
        }
        byte[] b = payload((int) len);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(pathNanos).putInt(nodes.size());
        for (OrderedSum.Pending p : nodes) {
            OrderedSum.Node n = p.node();
            bb.putInt(p.level()).putLong(p.index()).putDouble(n.lossSum).putLong(n.correct).putLong(n.count)
                    .putLong(n.computeNanos).putLong(n.maxComputeNanos).put((byte) (n.vector == null ? 0 : 1));
            if (n.vector != null) {
                if (n.vector.length != dim) {
                    throw new IllegalStateException("partial vector of " + n.vector.length + " floats, expected " + dim);
                }
                if (bf16) {
                    for (int i = 0; i < dim; i++) {
                        bb.putShort(Bf16.encode(n.vector[i]));
                    }
                } else {
                    bb.asFloatBuffer().put(n.vector, 0, dim);
                    bb.position(bb.position() + dim * 4);
                }
            }
        }
        writeHeader(bf16 ? Frame.PARTIAL16 : Frame.PARTIAL, epoch, step, len);
        out.write(b, 0, (int) len);
        out.flush();
    }

    static long partialLength(List<OrderedSum.Pending> nodes, int dim, int width) {
        long len = 12;
        for (OrderedSum.Pending p : nodes) {
            len += NODE_HEADER_BYTES + (p.node().vector == null ? 0 : (long) dim * width);
        }
        return len;
    }

    /** A received partial sum: the sender's pending tree nodes (validated) and its path nanos. */
    public record Partial(List<OrderedSum.Pending> nodes, long pathNanos) {
    }

    /**
     * Reads a PARTIAL payload and adds its nodes to {@code sum}; every node must lie inside the sender's subtree
     * {@code [from, to)} and carry {@code dim} floats or none. Returns the sender's path nanos.
     */
    public long readPartial(Frame f, OrderedSum sum, int dim, int from, int to) throws IOException {
        Partial p = readPartialNodes(f, dim, from, to, sum.numLeaves());
        add(p, sum, f);
        return p.pathNanos();
    }

    /** Adds a received partial sum's nodes to {@code sum}, in the order they came. */
    public void add(Partial p, OrderedSum sum, Frame f) throws ProtocolException {
        long m0 = System.nanoTime();
        for (OrderedSum.Pending n : p.nodes()) {
            try {
                sum.addPending(n.level(), n.index(), n.node());
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ProtocolException("bad node in " + f + " from " + peerName() + ": " + e.getMessage());
            }
        }
        lastMergeNanos = System.nanoTime() - m0;
    }

    /**
     * Reads and checks a PARTIAL payload without adding it anywhere (so a reader thread can receive it while the
     * task computes): every node must lie inside the sender's subtree {@code [from, to)} of a tree over
     * {@code numLeaves} partitions and carry {@code dim} floats or none.
     */
    public Partial readPartialNodes(Frame f, int dim, int from, int to, int numLeaves) throws IOException {
        int width = f.type() == Frame.PARTIAL16 ? 2 : 4;
        long len = f.length();
        if (len < 12) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": a partial sum needs at "
                    + "least 12 bytes");
        }
        byte[] b = payload((int) len);
        readFully(b, (int) len, f);
        ByteBuffer bb = ByteBuffer.wrap(b, 0, (int) len).order(ByteOrder.LITTLE_ENDIAN);
        long pathNanos = bb.getLong();
        int count = bb.getInt();
        int maxNodes = 2 * (33 - Integer.numberOfLeadingZeros(Math.max(1, to - from))) + 2;
        if (count < 1 || count > maxNodes) {
            throw new ProtocolException("wrong node count " + count + " in " + f + " from " + peerName());
        }
        OrderedSum.Node[] nodes = new OrderedSum.Node[count];
        int[] levels = new int[count];
        long[] indices = new long[count];
        for (int i = 0; i < count; i++) {
            if (bb.remaining() < NODE_HEADER_BYTES) {
                throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": node " + i
                        + " of " + count + " is cut off");
            }
            int level = bb.getInt();
            long index = bb.getLong();
            double loss = bb.getDouble();
            long correct = bb.getLong();
            long cnt = bb.getLong();
            long compute = bb.getLong();
            long maxCompute = bb.getLong();
            byte present = bb.get();
            long lo = level < 0 || level > 40 ? -1 : index << level;
            long hi = lo < 0 ? -1 : Math.min((index + 1) << level, numLeaves);
            if (index < 0 || lo < from || hi > to || hi <= lo) {
                throw new ProtocolException("node (level " + level + ", index " + index + ") in " + f + " from "
                        + peerName() + " lies outside its partitions [" + from + ", " + to + ")");
            }
            float[] v = null;
            if (present == 1) {
                if (bb.remaining() < (long) dim * width) {
                    throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": node " + i
                            + " needs " + (long) dim * width + " vector bytes, " + bb.remaining() + " left");
                }
                v = vector(dim);
                if (width == 2) {
                    for (int j = 0; j < dim; j++) {
                        v[j] = Bf16.decode(bb.getShort());
                    }
                } else {
                    bb.asFloatBuffer().get(v, 0, dim);
                    bb.position(bb.position() + dim * 4);
                }
            } else if (present != 0) {
                throw new ProtocolException("bad vector flag " + present + " in " + f + " from " + peerName());
            }
            OrderedSum.Node n = new OrderedSum.Node(v, loss, correct, cnt, compute);
            n.maxComputeNanos = maxCompute;
            nodes[i] = n;
            levels[i] = level;
            indices[i] = index;
        }
        if (bb.remaining() != 0) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": " + bb.remaining()
                    + " bytes beyond its " + count + " nodes");
        }
        List<OrderedSum.Pending> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new OrderedSum.Pending(levels[i], indices[i], nodes[i]));
        }
        return new Partial(out, pathNanos);
    }

    private long lastMergeNanos;
    private final java.util.ArrayList<float[]> vectors = new java.util.ArrayList<>();
    private int vectorsInUse;

    /** A received vector's storage, reused across steps (a model's vectors are megabytes: no garbage per step). */
    private float[] vector(int dim) {
        if (vectorsInUse < vectors.size() && vectors.get(vectorsInUse).length == dim) {
            return vectors.get(vectorsInUse++);
        }
        float[] v = new float[dim];
        if (vectorsInUse < vectors.size()) {
            vectors.set(vectorsInUse++, v);
        } else {
            vectors.add(v);
            vectorsInUse++;
        }
        return v;
    }

    /**
     * Hands the vectors of earlier {@link #readPartial} calls back for reuse: call once the sum they went into has
     * been sent or applied (sums add into their left operand's vector, so a received vector may hold the total).
     */
    public void recycle() {
        vectorsInUse = 0;
    }

    /** Time the last {@link #readPartial} spent adding the received nodes into the sum. */
    public long lastMergeNanos() {
        return lastMergeNanos;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    @Override
    public String toString() {
        return "link to " + peerName() + " (" + socket.getRemoteSocketAddress() + ")";
    }
}
