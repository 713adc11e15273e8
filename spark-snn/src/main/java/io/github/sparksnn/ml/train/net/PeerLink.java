package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;

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
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * <p>Handshake, mutual: the server sends a 32-byte random nonce (HELLO); the client answers with its own nonce and
 * {@code HMAC-SHA256(secret, "client" || T)} (AUTH), where the transcript {@code T} is the run, the attempt, both
 * partitions, whether frames are encrypted and both nonces; the server answers with
 * {@code HMAC-SHA256(secret, "server" || T)} (AUTH). Each side refuses the other unless its proof checks, so a
 * listener without the run's secret is refused by the client as a client without it is by the server, and the
 * secret itself (which reaches tasks in their closure) never crosses the socket. The handshake has one deadline
 * for all its reads, not one per read, so a peer that drips a byte at a time cannot hold it longer.
 *
 * <p>After it, every frame carries a tag under a session key derived from the secret and the transcript, one key
 * per direction, with an implicit frame sequence number ({@link FrameSeal}): a frame that was changed, replayed,
 * reordered or injected is refused. Payloads are AES-GCM ciphertext when {@link Credentials#encrypt()} (Spark's
 * {@code spark.network.crypto.enabled}). A payload is checked when its last byte has been read; a relayed state
 * reaches the children piece by piece before that, but a task whose parent's frame fails its tag fails the round,
 * so nothing computed from it is ever applied.
 *
 * <p>Anything unexpected (magic, version, run, attempt, type, length, tag) raises a {@link ProtocolException}
 * with the reason; callers close the link. A length is checked against what the frame can hold before any
 * allocation.
 *
 * Why one file: this is the wire format, and each frame's writer sits beside its reader and the reader's checks, so
 * that a change to one side is made, and reviewed, with the other; the handshake shares the same header code.
 */
public final class PeerLink implements AutoCloseable {
    /** Upper bound on one payload: 2^31 - 64 bytes (a Java array), far above any model's vectors. */
    static final long MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    /** AUTH from the client: its nonce, then its proof. */
    static final int CLIENT_AUTH_BYTES = NONCE_BYTES + MAC_BYTES;
    private static final int NODE_HEADER_BYTES = 4 + 8 + 8 + 8 + 8 + 8 + 8 + 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Closes sockets whose handshake outlives its deadline (one daemon thread for the JVM). */
    private static final ScheduledThreadPoolExecutor DEADLINES = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "spark-snn handshake deadlines");
        t.setDaemon(true);
        return t;
    });

    static {
        DEADLINES.setRemoveOnCancelPolicy(true);
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long run;
    private int attempt;
    private final int partition;
    private int peerPartition;
    private int peerAttempt;
    // Sending and receiving keep separate buffers: the driver streams the next state down a link on its own thread
    // while a receiver thread still reads that link's partial sum (one reader and one writer per link at most).
    private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] inHeader = new byte[Frame.HEADER_BYTES];
    private final byte[] tag = new byte[FrameSeal.TAG_BYTES];
    private byte[] payload = new byte[0];
    private byte[] outPayload = new byte[0];
    private long bytesSent;
    private long bytesReceived;
    /** Null during the handshake; then every frame is sealed. */
    private FrameSeal seal;
    /** Payload bytes of the current incoming frame not read yet; its tag follows them. */
    private long receiving;
    /** The current incoming frame (for messages). */
    private Frame current;

    private PeerLink(Socket socket, long run, int attempt, int partition, int peerPartition) throws IOException {
        this(socket, socket.getInputStream(), socket.getOutputStream(), run, attempt, partition, peerPartition);
    }

    private PeerLink(Socket socket, InputStream in, OutputStream out, long run, int attempt, int partition,
                     int peerPartition) {
        this.socket = socket;
        this.in = new BufferedInputStream(in, 1 << 16);
        this.out = new BufferedOutputStream(out, 1 << 16);
        this.run = run;
        this.attempt = attempt;
        this.partition = partition;
        this.peerPartition = peerPartition;
    }

    /**
     * A run's identity on the wire: its 64-bit id, its random secret and whether frames are encrypted (both ends
     * must agree: it is part of the handshake's transcript).
     */
    public record Credentials(long run, byte[] secret, boolean encrypt) implements java.io.Serializable {
        public Credentials {
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("a run secret needs at least 16 bytes");
            }
        }

        /** Credentials with frames tagged, not encrypted. */
        public Credentials(long run, byte[] secret) {
            this(run, secret, false);
        }

        /** Fresh credentials: a random run id and a 32-byte secret from {@link SecureRandom}. */
        public static Credentials random() {
            byte[] s = new byte[32];
            RANDOM.nextBytes(s);
            return new Credentials(RANDOM.nextLong(), s);
        }

        /** The same run and secret, frames encrypted or not. */
        public Credentials withEncryption(boolean on) {
            return new Credentials(run, secret, on);
        }

        @Override
        public String toString() {
            return "Credentials(run " + Long.toHexString(run) + ", secret hidden" + (encrypt ? ", encrypted" : "")
                    + ")";
        }
    }

    static void tune(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        s.setSendBufferSize(4 << 20);
        s.setReceiveBufferSize(4 << 20);
        s.setKeepAlive(true);
    }

    /** Closes {@code s} after {@code ms} unless cancelled; {@code fired} says whether it did. */
    private static ScheduledFuture<?> deadline(Socket s, int ms, AtomicBoolean fired) {
        return DEADLINES.schedule(() -> {
            fired.set(true);
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }, Math.max(1, ms), TimeUnit.MILLISECONDS);
    }

    /**
     * Client side: connects to a parent ({@code parentPartition}, -1: the driver), proves knowledge of the secret
     * for ({@code attempt}, {@code partition}) and checks the parent's proof. The connection and the whole
     * handshake take at most {@code connectTimeoutMs}; {@code readTimeoutMs} bounds every later read (0: none).
     */
    public static PeerLink connect(String host, int port, Credentials c, int attempt, int partition, int parentPartition,
                                   int connectTimeoutMs, int readTimeoutMs) throws IOException {
        Socket s = new Socket();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> killer = deadline(s, connectTimeoutMs, late);
        try {
            tune(s);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            s.setSoTimeout(connectTimeoutMs);
            PeerLink link = new PeerLink(s, c.run(), attempt, partition, parentPartition);
            Frame hello = link.readHeader("the handshake");
            if (hello.type() != Frame.HELLO || hello.length() != NONCE_BYTES) {
                throw new ProtocolException("expected HELLO with a " + NONCE_BYTES + "-byte nonce from " + host + ":"
                        + port + ", got " + hello);
            }
            if (hello.partition() != parentPartition) {
                throw new ProtocolException("expected the listener of " + name(parentPartition) + " at " + host + ":"
                        + port + ", got " + name(hello.partition()));
            }
            byte[] serverNonce = link.readExactly(NONCE_BYTES, hello);
            byte[] clientNonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(clientNonce);
            byte[] t = transcript(c, attempt, partition, parentPartition, serverNonce, clientNonce);
            link.writeHeader(Frame.AUTH, 0, 0, CLIENT_AUTH_BYTES);
            link.out.write(clientNonce);
            link.out.write(proof(c.secret(), "client", t));
            link.out.flush();
            Frame answer = link.readHeader("the server's proof");
            if (answer.type() != Frame.AUTH || answer.length() != MAC_BYTES) {
                throw new ProtocolException("expected AUTH with a " + MAC_BYTES + "-byte proof from " + host + ":"
                        + port + ", got " + answer);
            }
            byte[] got = link.readExactly(MAC_BYTES, answer);
            if (!MessageDigest.isEqual(proof(c.secret(), "server", t), got)) {
                throw new ProtocolException("the listener at " + host + ":" + port + " did not prove this run's "
                        + "secret (not this run's service, or a wrong secret)");
            }
            link.seal = seal(c, t, true);
            if (!killer.cancel(false)) {
                throw new ProtocolException("no complete handshake with " + host + ":" + port + " within "
                        + connectTimeoutMs + " ms");
            }
            s.setSoTimeout(readTimeoutMs);
            return link;
        } catch (IOException | RuntimeException e) {
            killer.cancel(false);
            s.close();
            if (late.get()) {
                throw new ProtocolException("no complete handshake with " + host + ":" + port + " within "
                        + connectTimeoutMs + " ms");
            }
            throw e;
        }
    }

    /**
     * Server side, blocking: sends a nonce, checks the answer and proves the secret in turn, all within
     * {@code handshakeTimeoutMs}. The claimed attempt and partition are returned in the link
     * ({@link #peerPartition()}, {@link #peerAttempt()}); the caller decides whether it expects them. A listener
     * with many strangers to face uses {@link Listener}, which runs the same handshake without a thread each.
     */
    public static PeerLink accept(Socket s, Credentials c, int serverPartition, int handshakeTimeoutMs,
                                  int readTimeoutMs) throws IOException {
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> killer = deadline(s, handshakeTimeoutMs, late);
        try {
            tune(s);
            s.setSoTimeout(handshakeTimeoutMs);
            ServerHandshake hs = new ServerHandshake(c, serverPartition);
            OutputStream o = s.getOutputStream();
            o.write(hs.hello());
            o.flush();
            byte[] auth = s.getInputStream().readNBytes(ServerHandshake.AUTH_BYTES);
            hs.check(auth, 0, auth.length, true);
            Accepted a = hs.answer(auth);
            o.write(a.reply());
            o.flush();
            if (!killer.cancel(false)) {
                throw new SocketTimeoutException();
            }
            return adopt(s, c, serverPartition, a, readTimeoutMs);
        } catch (IOException | RuntimeException e) {
            killer.cancel(false);
            s.close();
            if (late.get() || e instanceof SocketTimeoutException) {
                throw new ProtocolException("no complete handshake within " + handshakeTimeoutMs + " ms of "
                        + "connecting");
            }
            throw e;
        }
    }

    /** A handshake the server side has completed: who the client claims to be and the frames' seal. */
    record Accepted(int attempt, int partition, byte[] reply, FrameSeal seal) {
    }

    /** The link of a socket whose server-side handshake {@code a} completed (nothing else read from it). */
    static PeerLink adopt(Socket s, Credentials c, int serverPartition, Accepted a, int readTimeoutMs)
            throws IOException {
        s.setSoTimeout(readTimeoutMs);
        PeerLink l = new PeerLink(s, c.run(), a.attempt(), serverPartition, a.partition());
        l.peerAttempt = a.attempt();
        l.seal = a.seal();
        return l;
    }

    /**
     * The server's half of the handshake as a state-free calculation: the HELLO to send, then the check of the
     * client's AUTH (fixed size: {@link #AUTH_BYTES}) and the answer, so that blocking and non-blocking listeners
     * share it.
     */
    static final class ServerHandshake {
        static final int AUTH_BYTES = Frame.HEADER_BYTES + CLIENT_AUTH_BYTES;
        private final Credentials c;
        private final int serverPartition;
        private final byte[] nonce = new byte[NONCE_BYTES];

        ServerHandshake(Credentials c, int serverPartition) {
            this.c = c;
            this.serverPartition = serverPartition;
            RANDOM.nextBytes(nonce);
        }

        byte[] hello() {
            ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_BYTES + NONCE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            putHeader(b, Frame.HELLO, c.run(), 0, 0, 0, serverPartition, NONCE_BYTES);
            return b.put(nonce).array();
        }

        /**
         * Checks what has arrived of the client's AUTH so far ({@code n} bytes from {@code off}), so a stranger
         * that sends garbage is dropped at its first header instead of at the deadline; {@code complete}: all of
         * it should be there.
         */
        void check(byte[] b, int off, int n, boolean complete) throws ProtocolException {
            if (n >= Frame.HEADER_BYTES) {
                Frame f = parseHeader(b, off, c.run(), "a connecting peer");
                if (f.type() != Frame.AUTH || f.length() != CLIENT_AUTH_BYTES) {
                    throw new ProtocolException("expected AUTH with a " + CLIENT_AUTH_BYTES + "-byte answer, got " + f);
                }
            }
            if (complete && n < AUTH_BYTES) {
                throw new ProtocolException(n < Frame.HEADER_BYTES ? "truncated frame header (" + n + " of "
                        + Frame.HEADER_BYTES + " bytes) in the handshake"
                        : "truncated AUTH frame (" + (n - Frame.HEADER_BYTES) + " of " + CLIENT_AUTH_BYTES + " bytes)");
            }
        }

        /** The answer to a complete AUTH ({@link #AUTH_BYTES} bytes), or why it is refused. */
        Accepted answer(byte[] auth) throws ProtocolException {
            check(auth, 0, auth.length, true);
            Frame f = parseHeader(auth, 0, c.run(), "a connecting peer");
            byte[] clientNonce = java.util.Arrays.copyOfRange(auth, Frame.HEADER_BYTES,
                    Frame.HEADER_BYTES + NONCE_BYTES);
            byte[] got = java.util.Arrays.copyOfRange(auth, Frame.HEADER_BYTES + NONCE_BYTES, AUTH_BYTES);
            byte[] t = transcript(c, f.attempt(), f.partition(), serverPartition, nonce, clientNonce);
            if (!MessageDigest.isEqual(proof(c.secret(), "client", t), got)) {
                throw new ProtocolException("wrong secret: the AUTH answer of a peer claiming partition "
                        + f.partition() + " does not match");
            }
            ByteBuffer r = ByteBuffer.allocate(Frame.HEADER_BYTES + MAC_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            putHeader(r, Frame.AUTH, c.run(), f.attempt(), 0, 0, serverPartition, MAC_BYTES);
            r.put(proof(c.secret(), "server", t));
            return new Accepted(f.attempt(), f.partition(), r.array(), seal(c, t, false));
        }
    }

    /** What both proofs and the session keys cover: who talks to whom, for which run, and both nonces. */
    static byte[] transcript(Credentials c, int attempt, int clientPartition, int serverPartition, byte[] serverNonce,
                             byte[] clientNonce) {
        return ByteBuffer.allocate(8 + 4 + 4 + 4 + 1 + 2 * NONCE_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(c.run()).putInt(attempt).putInt(clientPartition).putInt(serverPartition)
                .put((byte) (c.encrypt() ? 1 : 0)).put(serverNonce).put(clientNonce).array();
    }

    /** {@code HMAC-SHA256(key, label || 0 || data)}. */
    static byte[] proof(byte[] key, String label, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(("spark-snn " + label).getBytes(StandardCharsets.US_ASCII));
            m.update((byte) 0);
            m.update(data);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The frames' seal of one end: a session key from the secret and the transcript, split by direction. */
    static FrameSeal seal(Credentials c, byte[] transcript, boolean client) {
        byte[] session = proof(c.secret(), "session", transcript);
        byte[] up = java.util.Arrays.copyOf(proof(session, "client to server", new byte[0]), 16);
        byte[] down = java.util.Arrays.copyOf(proof(session, "server to client", new byte[0]), 16);
        return client ? new FrameSeal(up, down, c.encrypt()) : new FrameSeal(down, up, c.encrypt());
    }

    /**
     * A link over plain streams without handshake or seal (tests: the frame fuzzer drives the parser with it, in
     * memory).
     */
    static PeerLink unsealed(InputStream in, OutputStream out, long run, int attempt, int partition,
                             int peerPartition) {
        return new PeerLink(null, in, out, run, attempt, partition, peerPartition);
    }

    /** Bytes of the reusable receive buffer (tests: no allocation beyond what a frame may hold). */
    int bufferBytes() {
        return payload.length;
    }

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
        if (socket != null) {
            socket.setSoTimeout(ms);
        }
    }

    static void putHeader(ByteBuffer b, int type, long run, int attempt, int epoch, int step, int partition,
                          long length) {
        b.putInt(Frame.MAGIC).putShort(Frame.VERSION).putShort((short) type).putLong(run).putInt(attempt)
                .putInt(epoch).putInt(step).putInt(partition).putLong(length);
    }

    /** Starts a frame: its header, in clear; then its payload through {@link #writePayload}, then {@link #endFrame}. */
    private void writeHeader(int type, int epoch, int step, long length) throws IOException {
        header.clear();
        putHeader(header, type, run, attempt, epoch, step, partition, length);
        out.write(header.array(), 0, Frame.HEADER_BYTES);
        bytesSent += Frame.HEADER_BYTES + length;
        if (seal != null) {
            seal.beginSend(header.array(), Frame.HEADER_BYTES);
        }
    }

    private void writePayload(byte[] b, int off, int n) throws IOException {
        if (seal == null) {
            out.write(b, off, n);
        } else {
            seal.writePayload(out, b, off, n);
        }
    }

    private void writePayload(int b) throws IOException {
        writePayload(new byte[]{(byte) b}, 0, 1);
    }

    /** Ends a frame: its tag. */
    private void endFrame() throws IOException {
        if (seal != null) {
            seal.endSend(out);
            bytesSent += FrameSeal.TAG_BYTES;
        }
    }

    /** Parses and checks a header: magic, version, run and a length below {@link #MAX_PAYLOAD}. */
    static Frame parseHeader(byte[] h, int off, long run, String from) throws ProtocolException {
        ByteBuffer b = ByteBuffer.wrap(h, off, Frame.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        short version = b.getShort();
        int type = b.getShort();
        long r = b.getLong();
        Frame f = new Frame(type, r, b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getLong());
        if (magic != Frame.MAGIC) {
            throw new ProtocolException("bad magic 0x" + Integer.toHexString(magic) + " from " + from);
        }
        if (version != Frame.VERSION) {
            throw new ProtocolException("protocol version " + version + " from " + from + ", expected "
                    + Frame.VERSION);
        }
        if (r != run) {
            throw new ProtocolException("stale or foreign run " + Long.toHexString(r) + " from " + from
                    + " (this run is " + Long.toHexString(run) + ")");
        }
        if (f.length() < 0 || f.length() > MAX_PAYLOAD) {
            throw new ProtocolException("impossible payload length " + f.length() + " in " + f + " from " + from);
        }
        return f;
    }

    /**
     * Reads and checks the next header: magic, version, run and a sane length; its tag is checked once its payload
     * has been read (at once for a frame without payload). {@code what} names the wait.
     */
    public Frame readHeader(String what) throws IOException {
        if (receiving != 0) {
            throw new ProtocolException("the payload of " + current + " from " + peerName() + " was not read");
        }
        byte[] h = inHeader;
        int n = in.readNBytes(h, 0, Frame.HEADER_BYTES);
        if (n == 0) {
            throw new EOFException("connection closed by " + peerName() + " while waiting for " + what);
        }
        if (n < Frame.HEADER_BYTES) {
            throw new ProtocolException("truncated frame header from " + peerName() + " (" + n + " of "
                    + Frame.HEADER_BYTES + " bytes)");
        }
        Frame f = parseHeader(h, 0, run, peerName());
        bytesReceived += Frame.HEADER_BYTES;
        current = f;
        if (seal != null) {
            seal.beginReceive(h, Frame.HEADER_BYTES);
            receiving = f.length();
            if (receiving == 0) {
                checkTag();
            }
        }
        return f;
    }

    /** Reads the current frame's tag and compares it with what its header and payload give. */
    private void checkTag() throws IOException {
        int got = in.readNBytes(tag, 0, tag.length);
        if (got != tag.length) {
            throw new ProtocolException("truncated " + current + " from " + peerName() + ": its tag is cut off");
        }
        bytesReceived += tag.length;
        if (!seal.endReceive(tag)) {
            throw new ProtocolException(current + " from " + peerName() + " fails its integrity check (frame "
                    + (seal.receivedFrames() - 1) + " of the link: changed, replayed, reordered or injected)");
        }
    }

    /** Reads {@code n} handshake bytes of frame {@code f} (before the seal). */
    private byte[] readExactly(int n, Frame f) throws IOException {
        byte[] b = new byte[n];
        readFully(b, n, f);
        return b;
    }

    /**
     * Checks that a frame from this link's parent (a STATE, DELTA16 or END) belongs to this link: the attempt it
     * authenticated for and the parent's partition.
     */
    public void checkFromParent(Frame f) throws ProtocolException {
        if (f.attempt() != attempt) {
            throw new ProtocolException(f + " from " + peerName() + " belongs to attempt " + f.attempt()
                    + ", this link to attempt " + attempt);
        }
        if (f.partition() != peerPartition) {
            throw new ProtocolException(f + " claims partition " + f.partition() + " on the link of " + peerName());
        }
    }

    private String peerName() {
        return peerPartition == -2 ? "a connecting peer" : name(peerPartition);
    }

    private static String name(int partition) {
        return partition == -1 ? "the driver" : "partition " + partition;
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
        writePayload(a, 0, a.length);
        endFrame();
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
        writePayload(a, 0, a.length);
        endFrame();
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
        synchronized (writeLock) {
            aborted = true; // a sender thread still going stops at its next write
            try {
                abortOpenPartial();
                writeHeader(Frame.ERROR, epoch, step, n + 1L);
                writePayload(fatal ? 1 : 0);
                writePayload(m, 0, n);
                endFrame();
                out.flush();
            } catch (IOException ignored) {
                // the parent is gone: the stage fails anyway
            }
        }
    }

    /**
     * Ends a PARTIAL frame that is open part-way through its vector (its first pieces left during the backward pass,
     * then the task failed), so that the ERROR frame after it can be read: the rest of the vector as zeros and a
     * trailer whose path time is {@link #ABORTED}, under the frame's tag as usual. The receiver then refuses the sum
     * and reads the ERROR frame ({@link #readPartialTrailer}); the pieces it had already passed on are discarded with
     * the round, by the driver's roll-back.
     */
    private void abortOpenPartial() throws IOException {
        if (partialLeft < 0) {
            return;
        }
        byte[] zeros = new byte[(int) Math.min(partialLeft, 1 << 16)];
        for (long left = partialLeft; left > 0; left -= zeros.length) {
            writePayload(zeros, 0, (int) Math.min(left, zeros.length));
        }
        byte[] b = new byte[STREAM_TRAILER_BYTES];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(ABORTED);
        writePayload(b, 0, STREAM_TRAILER_BYTES);
        endFrame();
        partialLeft = -1;
        ABORTED_FRAMES.incrementAndGet();
    }

    private static final java.util.concurrent.atomic.AtomicLong ABORTED_FRAMES =
            new java.util.concurrent.atomic.AtomicLong();

    /** PARTIAL frames this JVM ended as aborted part-way (a counter for tests and logs). */
    public static long abortedFrames() {
        return ABORTED_FRAMES.get();
    }

    /** The path time in a PARTIAL's trailer that says the sender failed part-way; an ERROR frame follows. */
    static final long ABORTED = -1;
    /** Orders the writes of a task's sender thread and an ERROR frame from its main thread on one link. */
    private final Object writeLock = new Object();
    /** Vector bytes the open PARTIAL frame still owes (-1: none open). */
    private long partialLeft = -1;
    /** An ERROR frame has gone out: nothing more is written. */
    private boolean aborted;

    private void checkNotAborted() throws IOException {
        if (aborted) {
            throw new IOException("the link to " + peerName() + " carried this task's ERROR frame already");
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

    /** The receiving side's payload buffer, reused. */
    private byte[] payload(int n) {
        if (payload.length < n) {
            payload = new byte[n];
        }
        return payload;
    }

    /** The sending side's payload buffer, reused. */
    private byte[] outPayload(int n) {
        if (outPayload.length < n) {
            outPayload = new byte[n];
        }
        return outPayload;
    }

    /**
     * Reads the next {@code n} payload bytes of frame {@code f}; the frame's tag is checked with its last byte, so a
     * caller's last read of a frame returns only checked bytes.
     */
    private void readFully(byte[] b, int n, Frame f) throws IOException {
        if (n == 0) {
            return; // an empty payload's tag was checked with its header (a leaf task registers no address)
        }
        if (seal != null && n > receiving) {
            throw new ProtocolException("read of " + n + " bytes beyond the " + receiving + " left of " + f + " from "
                    + peerName());
        }
        int got = in.readNBytes(b, 0, n);
        if (got != n) {
            throw new ProtocolException("truncated " + f + " from " + peerName() + ": connection closed after " + got
                    + " of " + n + " payload bytes");
        }
        bytesReceived += n;
        if (seal != null) {
            seal.openPayload(b, 0, n);
            receiving -= n;
            if (receiving == 0) {
                checkTag();
            }
        }
    }

    /**
     * The most floats per piece when a vector is encoded, decoded or relayed: 64 KB, so the pieces pipeline. Every
     * vector travels in pieces of this size after a small first one, the last piece first
     * ({@link PartialReceiver#lastPiece}): the backward pass
     * finishes the last layers' gradients first, so they can leave while it goes on, and the state's pieces follow
     * in the order the driver completes them.
     */
    static final int CHUNK_FLOATS = PartialReceiver.PIECE;

    /** Sends the state a round starts from: {@code state[0 .. dim)} as raw floats, encoded piece by piece. */
    public void sendState(int epoch, int step, float[] state, int dim) throws IOException {
        writeHeader(Frame.STATE, epoch, step, dim * 4L);
        byte[] b = outPayload(Math.min(dim, CHUNK_FLOATS) * 4);
        for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
            int n = PartialReceiver.pieceLength(off, dim);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(state, off, n);
            writePayload(b, 0, n * 4);
        }
        endFrame();
        out.flush();
    }

    /**
     * Starts a STATE frame of {@code dim} floats whose values follow in {@link #writeVectorPiece} calls (piece by
     * piece, the last first, covering {@code [0, dim)}), then {@link #endState}: the driver streams the next state
     * piece by piece as its update rule finishes each piece, so a task receives piece k while the driver still sums
     * piece k - 1.
     */
    public void beginState(int epoch, int step, int dim) throws IOException {
        writeHeader(Frame.STATE, epoch, step, dim * 4L);
    }

    /** Ends the frame begun by {@link #beginState}: its tag. */
    public void endState() throws IOException {
        endFrame();
        out.flush();
    }

    /**
     * Sends the change of the state since the last one as bfloat16 values ({@code delta[i]} already rounded by the
     * caller, which applies the same rounded change to its own copy so both sides keep equal states).
     */
    public void sendDelta16(int epoch, int step, short[] delta, int dim) throws IOException {
        writeHeader(Frame.DELTA16, epoch, step, dim * 2L);
        byte[] b = outPayload(Math.min(dim, CHUNK_FLOATS) * 2);
        for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
            int n = PartialReceiver.pieceLength(off, dim);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().put(delta, off, n);
            writePayload(b, 0, n * 2);
        }
        endFrame();
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
        for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
            int n = PartialReceiver.pieceLength(off, dim);
            readFully(b, n * width, f);
            for (PeerLink c : children) {
                c.writePayload(b, 0, n * width);
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
            c.endFrame();
            c.out.flush();
        }
    }

    /** Sends the end of the epoch. */
    public void sendEnd(int epoch, int step) throws IOException {
        writeHeader(Frame.END, epoch, step, 0);
        endFrame();
        out.flush();
    }

    /** Reads a STATE payload of exactly {@code dim} floats into {@code into}. */
    public void readState(Frame f, float[] into, int dim) throws IOException {
        if (f.length() != dim * 4L) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": expected " + dim * 4L
                    + " bytes (" + dim + " floats)");
        }
        byte[] b = payload(Math.min(dim, CHUNK_FLOATS) * 4);
        for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
            int n = PartialReceiver.pieceLength(off, dim);
            readFully(b, n * 4, f);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, off, n);
        }
    }

    /**
     * Sends a partial sum: {@code long pathNanos} (time spent adding partial sums along the slowest path below and
     * at the sender), {@code int count} nodes, each {@code int level, long index, double lossSum, long correct,
     * long count, long computeNanos, long maxComputeNanos, byte present} followed by {@code dim} floats when
     * present (an absent vector is a zero vector: an empty partition).
     */
    void sendPartial(int epoch, int step, List<OrderedSum.Pending> nodes, int dim, long pathNanos)
            throws IOException {
        sendPartial(epoch, step, nodes, dim, pathNanos, false);
    }

    /**
     * As {@link #sendPartial(int, int, List, int, long)}, the vectors as bfloat16 values when {@code bf16}. Whole
     * frames of any number of nodes, built in memory: the tests' fixture for the driver's reader
     * ({@link #readPartialNodes}). Tasks stream their one node with {@link #beginPartial} instead.
     */
    void sendPartial(int epoch, int step, List<OrderedSum.Pending> nodes, int dim, long pathNanos, boolean bf16)
            throws IOException {
        int width = bf16 ? 2 : 4;
        long len = partialLength(nodes, dim, width);
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("partial sum of " + len + " bytes exceeds one frame");
        }
        byte[] b = outPayload((int) len);
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
        writePayload(b, 0, (int) len);
        endFrame();
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
    long readPartial(Frame f, OrderedSum sum, int dim, int from, int to) throws IOException {
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
        int maxNodes = 2 * (33 - Integer.numberOfLeadingZeros(Math.max(1, to - from))) + 2;
        long maxLen = 12 + maxNodes * (NODE_HEADER_BYTES + (long) dim * width);
        if (len < 12 || len > maxLen) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": a partial sum of "
                    + "partitions [" + from + ", " + to + ") has 12 to " + maxLen + " bytes");
        }
        byte[] b = payload((int) len);
        readFully(b, (int) len, f);
        ByteBuffer bb = ByteBuffer.wrap(b, 0, (int) len).order(ByteOrder.LITTLE_ENDIAN);
        long pathNanos = bb.getLong();
        int count = bb.getInt();
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
            checkNodePlace(level, index, from, to, numLeaves, f);
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

    /**
     * The head of a streamed PARTIAL frame (see {@link #readPartialHead}): the sender's one tree node, the number of
     * samples its sum covers and whether a vector of {@code dim} values follows. The rest of its statistics come in
     * the frame's trailer ({@link #readPartialTrailer}), once its vector has been sent.
     */
    public record PartialHead(int level, long index, long count, boolean present, int width) {
    }

    /** The trailer of a streamed PARTIAL frame: the node's statistics (vector null) and the sender's path nanos. */
    public record PartialTrailer(OrderedSum.Node stats, long pathNanos) {
    }

    /** A streamed PARTIAL's head: {@code int 1, int level, long index, long count, byte present}. */
    private static final int STREAM_HEAD_BYTES = 4 + 4 + 8 + 8 + 1;
    /** Its trailer: {@code long pathNanos, double lossSum, long correct, long computeNanos, long maxComputeNanos}. */
    private static final int STREAM_TRAILER_BYTES = 8 + 8 + 8 + 8 + 8;

    /**
     * Reads the head of a streamed PARTIAL frame (the only kind tasks send, {@link #beginPartial}), whose vector is
     * then read piece by piece, the last piece first, with {@link #readVectorPiece}, then its trailer with
     * {@link #readPartialTrailer}: the cut-through path, where a task adds and forwards piece k of its children's
     * sums while piece k - 1 arrives. The head goes out before the sender's backward pass has finished (it holds only
     * what the batch plan fixes: the tree node, the sample count, whether a vector follows), the statistics the
     * pass yields after it. Every task of the aggregation tree sends exactly one node (its aligned block:
     * {@link AggregationTree}), so a frame with any other node count, a node outside the sender's partitions
     * {@code [from, to)} or a length other than the head's plus one vector (or none) plus the trailer is refused. The
     * vector's pieces are unchecked until the trailer (the frame's tag comes with it), so a receiver may forward
     * them but must not complete its own frame first.
     */
    public PartialHead readPartialHead(Frame f, int dim, int from, int to, int numLeaves) throws IOException {
        int width = f.type() == Frame.PARTIAL16 ? 2 : 4;
        long bare = STREAM_HEAD_BYTES + STREAM_TRAILER_BYTES;
        if (f.length() != bare && f.length() != bare + (long) dim * width) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": a partial sum of one "
                    + "node has " + bare + " or " + (bare + (long) dim * width) + " bytes");
        }
        byte[] b = new byte[STREAM_HEAD_BYTES];
        readFully(b, STREAM_HEAD_BYTES, f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int nodes = bb.getInt();
        if (nodes != 1) {
            throw new ProtocolException("wrong node count " + nodes + " in " + f + " from " + peerName()
                    + ": a task of the aggregation tree sends one node");
        }
        int level = bb.getInt();
        long index = bb.getLong();
        long count = bb.getLong();
        byte present = bb.get();
        checkNodePlace(level, index, from, to, numLeaves, f);
        if (present != 0 && present != 1) {
            throw new ProtocolException("bad vector flag " + present + " in " + f + " from " + peerName());
        }
        if ((present == 1) != (f.length() > bare)) {
            throw new ProtocolException("wrong length in " + f + " from " + peerName() + ": its vector flag is "
                    + present);
        }
        if (count < 0 || count > Integer.MAX_VALUE * (long) (to - from)) {
            throw new ProtocolException("sample count " + count + " in " + f + " from " + peerName()
                    + " is out of range");
        }
        return new PartialHead(level, index, count, present == 1, width);
    }

    /** Reads the trailer that ends a streamed PARTIAL frame after its head ({@code h}) and vector; checks its tag. */
    public PartialTrailer readPartialTrailer(Frame f, PartialHead h) throws IOException {
        byte[] b = new byte[STREAM_TRAILER_BYTES];
        readFully(b, STREAM_TRAILER_BYTES, f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long pathNanos = bb.getLong();
        if (pathNanos == ABORTED) {
            // The sender failed part-way through its vector; its root cause comes in the next frame.
            Frame g = readHeader("the reason " + peerName() + " gave up its partial sum");
            if (g.type() != Frame.ERROR) {
                throw new ProtocolException(peerName() + " gave up its partial sum in " + f + " without an ERROR "
                        + "frame after it: " + g);
            }
            expect(g, f.type(), f.epoch(), f.step()); // throws PeerFailure with the sender's root cause
        }
        if (pathNanos < 0) {
            throw new ProtocolException("negative path time " + pathNanos + " in " + f + " from " + peerName());
        }
        OrderedSum.Node n = new OrderedSum.Node(null, bb.getDouble(), bb.getLong(), h.count(), bb.getLong());
        n.maxComputeNanos = bb.getLong();
        return new PartialTrailer(n, pathNanos);
    }

    /**
     * Reads a whole streamed PARTIAL frame (head, vector, trailer) as one node, for a driver that adds whole
     * vectors ({@link PartialReceiver#start}).
     */
    public Partial readStreamedPartial(Frame f, int dim, int from, int to, int numLeaves) throws IOException {
        PartialHead h = readPartialHead(f, dim, from, to, numLeaves);
        float[] v = null;
        if (h.present()) {
            v = vector(dim);
            for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                readVectorPiece(f, h, v, off, PartialReceiver.pieceLength(off, dim));
            }
        }
        PartialTrailer t = readPartialTrailer(f, h);
        OrderedSum.Node n = new OrderedSum.Node(v, t.stats().lossSum, t.stats().correct, t.stats().count,
                t.stats().computeNanos);
        n.maxComputeNanos = t.stats().maxComputeNanos;
        return new Partial(List.of(new OrderedSum.Pending(h.level(), h.index(), n)), t.pathNanos());
    }

    /** Checks that tree node (level, index) lies inside the sender's partitions {@code [from, to)}. */
    private void checkNodePlace(int level, long index, int from, int to, int numLeaves, Frame f)
            throws ProtocolException {
        // The node's leaves [index * 2^level, (index + 1) * 2^level), computed only once index is known to start
        // inside the tree (level <= 31, index <= (numLeaves - 1) >> level), so no shift can wrap.
        boolean inTree = level >= 0 && level <= 31 && index >= 0 && index <= (numLeaves - 1L) >> level;
        long lo = inTree ? index << level : -1;
        long hi = inTree ? Math.min((index + 1) << level, numLeaves) : -1;
        if (!inTree || lo < from || hi > to || hi <= lo) {
            throw new ProtocolException("node (level " + level + ", index " + index + ") in " + f + " from "
                    + peerName() + " lies outside its partitions [" + from + ", " + to + ")");
        }
    }

    /** Reads the next {@code n} values of a streamed PARTIAL's vector into {@code into[off, off + n)}. */
    public void readVectorPiece(Frame f, PartialHead h, float[] into, int off, int n) throws IOException {
        byte[] b = payload(n * h.width());
        readFully(b, n * h.width(), f);
        ByteBuffer bb = ByteBuffer.wrap(b, 0, n * h.width()).order(ByteOrder.LITTLE_ENDIAN);
        if (h.width() == 2) {
            for (int i = 0; i < n; i++) {
                into[off + i] = Bf16.decode(bb.getShort());
            }
        } else {
            bb.asFloatBuffer().get(into, off, n);
        }
    }

    /**
     * Starts a streamed PARTIAL frame of one node (level, index) over {@code count} samples and, when
     * {@code present}, a vector of {@code dim} values that follows in {@link #writeVectorPiece} calls (piece by piece,
     * the last first, covering {@code [0, dim)}); {@link #endPartial} ends it with the statistics.
     */
    public void beginPartial(int epoch, int step, int level, long index, long count, boolean present, int dim,
                             boolean bf16) throws IOException {
        long len = STREAM_HEAD_BYTES + STREAM_TRAILER_BYTES + (present ? (long) dim * (bf16 ? 2 : 4) : 0);
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("partial sum of " + len + " bytes exceeds one frame");
        }
        byte[] b = new byte[STREAM_HEAD_BYTES];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(level).putLong(index).putLong(count)
                .put((byte) (present ? 1 : 0));
        synchronized (writeLock) {
            checkNotAborted();
            writeHeader(bf16 ? Frame.PARTIAL16 : Frame.PARTIAL, epoch, step, len);
            writePayload(b, 0, STREAM_HEAD_BYTES);
            partialCount = count;
            partialLeft = len - STREAM_HEAD_BYTES - STREAM_TRAILER_BYTES;
        }
    }

    /** The sample count of the frame begun by {@link #beginPartial}, which its trailer's statistics must repeat. */
    private long partialCount;

    /** Writes {@code v[off, off + n)} as the next piece of the vector begun by {@link #beginPartial}, and flushes. */
    public void writeVectorPiece(float[] v, int off, int n, boolean bf16) throws IOException {
        byte[] b = outPayload(n * (bf16 ? 2 : 4));
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (bf16) {
            for (int i = 0; i < n; i++) {
                bb.putShort(Bf16.encode(v[off + i]));
            }
        } else {
            bb.asFloatBuffer().put(v, off, n);
        }
        synchronized (writeLock) {
            checkNotAborted();
            writePayload(b, 0, n * (bf16 ? 2 : 4));
            if (partialLeft >= 0) {
                partialLeft -= n * (bf16 ? 2 : 4);
            }
            out.flush();
        }
    }

    /** Ends the frame begun by {@link #beginPartial}: the trailer (the node's {@code stats}, {@code pathNanos}), its tag. */
    public void endPartial(OrderedSum.Node stats, long pathNanos) throws IOException {
        if (stats.count != partialCount) {
            throw new IllegalStateException("the partial sum's statistics count " + stats.count + " samples, its head "
                    + partialCount);
        }
        byte[] b = new byte[STREAM_TRAILER_BYTES];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pathNanos).putDouble(stats.lossSum)
                .putLong(stats.correct).putLong(stats.computeNanos).putLong(stats.maxComputeNanos);
        synchronized (writeLock) {
            checkNotAborted();
            if (partialLeft != 0) {
                throw new IllegalStateException("the partial sum ends with " + partialLeft + " vector bytes unsent");
            }
            writePayload(b, 0, STREAM_TRAILER_BYTES);
            endFrame();
            partialLeft = -1;
            out.flush();
        }
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
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    @Override
    public String toString() {
        return "link to " + peerName() + " (" + (socket == null ? "streams" : socket.getRemoteSocketAddress()) + ")";
    }
}
