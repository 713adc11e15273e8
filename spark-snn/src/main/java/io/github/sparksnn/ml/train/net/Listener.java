package io.github.sparksnn.ml.train.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A listening socket whose connections are authenticated ({@link PeerLink}'s server handshake) on one thread with
 * non-blocking reads, and handed out through {@link #poll} once authenticated. Used by the driver
 * ({@link AggregationServer}) and by every task that has children.
 *
 * <p>Why non-blocking: the port is open to anyone who can reach the host. A port scan (connect and close), garbage
 * bytes, a silent connection or one that drips a byte per second must cost the run nothing but a log line: the
 * handshake of each connection has one deadline for the whole exchange, a pending handshake costs a buffer of 104
 * bytes and no thread, and a stranger cannot delay a real peer's handshake. At most {@code maxPending} handshakes
 * wait at once; beyond that the oldest is dropped (a real peer's handshake takes milliseconds, so the oldest is
 * the likeliest stranger). Rejections are counted; the last {@link #KEPT} are kept and at most {@link #LOGGED}
 * a minute are logged, so a flood of strangers grows neither memory nor the log.
 *
 * <p>The accepting thread survives anything one connection can cause (an exception, an {@link Error} such as an
 * out-of-memory or too many open files): it logs it, drops that connection and goes on, pausing briefly when
 * accepting itself fails so that it does not spin.
 */
public final class Listener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    /** Rejection reasons kept for {@link #rejections()}. */
    static final int KEPT = 64;
    /** Rejections logged per minute; the rest are counted. */
    static final int LOGGED = 20;
    /** Authenticated links waiting for {@link #poll} at most; more are closed (only secret holders get here). */
    static final int MAX_QUEUED = 1024;

    private final String name;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final PeerLink.Credentials credentials;
    private final int serverPartition;
    private final int handshakeTimeoutMs;
    private final int readTimeoutMs;
    private final int maxPending;
    private final LinkedHashMap<SocketChannel, Pending> pending = new LinkedHashMap<>();
    private final BlockingQueue<PeerLink> arrivals = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final ArrayDeque<String> kept = new ArrayDeque<>();
    private final AtomicLong rejected = new AtomicLong();
    private long logWindowStart = System.nanoTime();
    private int loggedInWindow;
    private long unloggedInWindow;
    private final Thread thread;
    private volatile boolean closed;

    /** One connection's handshake in progress. */
    private static final class Pending {
        final PeerLink.ServerHandshake handshake;
        final String from;
        final long deadline;
        ByteBuffer toSend;
        final ByteBuffer received = ByteBuffer.allocate(PeerLink.ServerHandshake.AUTH_BYTES);
        PeerLink.Accepted accepted;

        Pending(PeerLink.ServerHandshake handshake, String from, long deadline) {
            this.handshake = handshake;
            this.from = from;
            this.deadline = deadline;
        }
    }

    /**
     * Listens on {@code bindHost:port} ({@code port} 0: ephemeral) as {@code serverPartition} (-1: the driver).
     * {@code name} prefixes log lines; {@code handshakeTimeoutMs} bounds a whole handshake, {@code readTimeoutMs}
     * the links' later reads.
     */
    public Listener(String name, String bindHost, int port, PeerLink.Credentials credentials, int serverPartition,
                    int handshakeTimeoutMs, int readTimeoutMs, int maxPending) throws IOException {
        this.name = name;
        this.credentials = credentials;
        this.serverPartition = serverPartition;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.readTimeoutMs = readTimeoutMs;
        this.maxPending = maxPending;
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port), 128);
            server.configureBlocking(false);
            this.selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        this.thread = new Thread(this::loop, name + " listener :" + port());
        thread.setDaemon(true);
        thread.start();
    }

    /** The port it listens on. */
    public int port() {
        return server.socket().getLocalPort();
    }

    /** The next authenticated link, or null after {@code timeoutMs}. */
    public PeerLink poll(long timeoutMs) throws InterruptedException {
        return arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Authenticated links waiting for {@link #poll}. */
    public int queued() {
        return arrivals.size();
    }

    /** Handshakes in progress (tests). */
    public int pendingHandshakes() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** Connections refused so far (failed handshakes and links the caller rejected). */
    public long rejectedCount() {
        return rejected.get();
    }

    /** The last {@link #KEPT} rejection reasons, oldest first. */
    public List<String> rejections() {
        synchronized (kept) {
            return new ArrayList<>(kept);
        }
    }

    /** Closes an authenticated link the caller does not expect, recording why. */
    public void reject(PeerLink link, String reason) {
        record("connection from partition " + link.peerPartition() + " rejected: " + reason);
        link.close();
    }

    /** Counts, keeps (the last few) and logs (a few a minute) a rejection. */
    void record(String reason) {
        rejected.incrementAndGet();
        long skipped = -1;
        boolean log;
        synchronized (kept) {
            kept.addLast(reason);
            if (kept.size() > KEPT) {
                kept.removeFirst();
            }
            long now = System.nanoTime();
            if (now - logWindowStart > 60_000_000_000L) {
                skipped = unloggedInWindow;
                logWindowStart = now;
                loggedInWindow = 0;
                unloggedInWindow = 0;
            }
            log = loggedInWindow < LOGGED;
            if (log) {
                loggedInWindow++;
            } else {
                unloggedInWindow++;
            }
        }
        if (skipped > 0) {
            LOG.warn("{}: {} more rejected connections in the last minute were not logged", name, skipped);
        }
        if (log) {
            LOG.warn("{}: {}", name, reason);
        }
    }

    private void loop() {
        long acceptPauseUntil = 0;
        while (!closed) {
            try {
                long now = System.nanoTime();
                long wait = Math.max(1, Math.min(200, nextDeadline(now)));
                if (acceptPauseUntil != 0 && now >= acceptPauseUntil) {
                    acceptPauseUntil = 0;
                    server.register(selector, SelectionKey.OP_ACCEPT);
                }
                selector.select(wait);
                if (closed) {
                    break;
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.channel() == server) {
                        try {
                            acceptAll();
                        } catch (IOException | RuntimeException | Error e) {
                            // Out of file descriptors, memory, ...: stop accepting for a moment rather than spin.
                            record("accepting failed: " + e);
                            k.cancel();
                            acceptPauseUntil = System.nanoTime() + 100_000_000L;
                        }
                    } else {
                        step((SocketChannel) k.channel(), k);
                    }
                }
                handOver();
                expire(System.nanoTime());
            } catch (IOException | RuntimeException | Error e) {
                if (closed) {
                    break;
                }
                record("listener error, going on: " + e);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        closeAll();
    }

    private long nextDeadline(long now) {
        synchronized (pending) {
            if (pending.isEmpty()) {
                return 200;
            }
            return (pending.values().iterator().next().deadline - now) / 1_000_000 + 1;
        }
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            String from = String.valueOf(ch.socket().getRemoteSocketAddress());
            try {
                ch.configureBlocking(false);
                PeerLink.tune(ch.socket());
                PeerLink.ServerHandshake hs = new PeerLink.ServerHandshake(credentials, serverPartition);
                Pending p = new Pending(hs, from, System.nanoTime() + handshakeTimeoutMs * 1_000_000L);
                p.toSend = ByteBuffer.wrap(hs.hello());
                SocketChannel evicted = null;
                synchronized (pending) {
                    if (pending.size() >= maxPending) {
                        evicted = pending.keySet().iterator().next();
                    }
                }
                if (evicted != null) {
                    drop(evicted, "dropped: " + maxPending + " handshakes were pending at once, this the oldest");
                }
                synchronized (pending) {
                    pending.put(ch, p);
                }
                ch.write(p.toSend);
                ch.register(selector, p.toSend.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            } catch (IOException | RuntimeException | Error e) {
                drop(ch, "failed to start its handshake: " + e);
            }
        }
    }

    /** Reads or writes what a pending handshake can, and finishes or drops it. */
    private void step(SocketChannel ch, SelectionKey k) {
        Pending p;
        synchronized (pending) {
            p = pending.get(ch);
        }
        if (p == null) {
            k.cancel();
            return;
        }
        try {
            if (k.isWritable()) {
                ch.write(p.toSend);
                if (!p.toSend.hasRemaining()) {
                    if (p.accepted != null) {
                        hand(ch, k, p);
                        return;
                    }
                    k.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (!k.isReadable()) {
                return;
            }
            int n = ch.read(p.received);
            if (n < 0) {
                drop(ch, "closed during the handshake after " + p.received.position() + " bytes");
                return;
            }
            p.handshake.check(p.received.array(), 0, p.received.position(), false);
            if (p.received.hasRemaining()) {
                return;
            }
            p.accepted = p.handshake.answer(p.received.array());
            p.toSend = ByteBuffer.wrap(p.accepted.reply());
            ch.write(p.toSend);
            if (p.toSend.hasRemaining()) {
                k.interestOps(SelectionKey.OP_WRITE);
            } else {
                hand(ch, k, p);
            }
        } catch (IOException | RuntimeException | Error e) {
            drop(ch, "rejected: " + (e instanceof ProtocolException ? e.getMessage() : e.toString()));
        }
    }

    /** The handshake is done: its key is cancelled, and {@link #handOver} makes the connection a link. */
    private void hand(SocketChannel ch, SelectionKey k, Pending p) {
        synchronized (pending) {
            pending.remove(ch);
        }
        k.cancel();
        done.add(ch);
        doneHandshakes.add(p);
    }

    private final List<SocketChannel> done = new ArrayList<>();
    private final List<Pending> doneHandshakes = new ArrayList<>();

    /** Completed handshakes become blocking links for {@link #poll}. */
    private void handOver() throws IOException {
        if (done.isEmpty()) {
            return;
        }
        selector.selectNow(); // deregisters the cancelled keys, or the channels cannot become blocking
        for (int i = 0; i < done.size(); i++) {
            SocketChannel ch = done.get(i);
            Pending p = doneHandshakes.get(i);
            try {
                ch.configureBlocking(true);
                PeerLink l = PeerLink.adopt(ch.socket(), credentials, serverPartition, p.accepted, readTimeoutMs);
                if (closed || !arrivals.offer(l)) {
                    l.close();
                    record("connection from " + p.from + " (partition " + l.peerPartition() + ") dropped: "
                            + (closed ? "the listener closed" : MAX_QUEUED + " links wait already"));
                } else if (closed && arrivals.remove(l)) {
                    l.close();
                }
            } catch (IOException | RuntimeException | Error e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing
                }
                record("connection from " + p.from + " failed after its handshake: " + e);
            }
        }
        done.clear();
        doneHandshakes.clear();
    }

    private void expire(long now) {
        List<SocketChannel> late = new ArrayList<>();
        synchronized (pending) {
            for (var e : pending.entrySet()) {
                if (now - e.getValue().deadline >= 0) {
                    late.add(e.getKey());
                } else {
                    break; // oldest first: the rest are younger
                }
            }
        }
        for (SocketChannel ch : late) {
            Pending p;
            synchronized (pending) {
                p = pending.get(ch);
            }
            drop(ch, "no complete handshake within " + handshakeTimeoutMs + " ms of connecting ("
                    + (p == null ? 0 : p.received.position()) + " bytes received)");
        }
    }

    private void drop(SocketChannel ch, String why) {
        Pending p;
        synchronized (pending) {
            p = pending.remove(ch);
        }
        String from = p != null ? p.from : String.valueOf(ch.socket().getRemoteSocketAddress());
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing
        }
        record("connection from " + from + " " + why);
    }

    private void closeAll() {
        List<SocketChannel> all;
        synchronized (pending) {
            all = new ArrayList<>(pending.keySet());
        }
        for (SocketChannel ch : all) {
            Pending p;
            synchronized (pending) {
                p = pending.get(ch);
            }
            // Recorded like any failed handshake: a silent connection is a rejection whether its deadline or the
            // end of the run comes first.
            drop(ch, "no complete handshake within " + handshakeTimeoutMs + " ms of connecting, or before the "
                    + "service closed (" + (p == null ? 0 : p.received.position()) + " bytes received)");
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
        PeerLink l;
        while ((l = arrivals.poll()) != null) {
            l.close();
        }
    }

    /** Stops listening, drops pending handshakes and closes links nobody polled. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PeerLink l;
        while ((l = arrivals.poll()) != null) {
            l.close();
        }
    }
}
