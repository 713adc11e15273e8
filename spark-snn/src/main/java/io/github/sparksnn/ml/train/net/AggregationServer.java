package io.github.sparksnn.ml.train.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The driver's end of barrier-mode training: a listening socket on the driver's host whose accepted connections
 * are authenticated on their own threads ({@link PeerLink#accept}) and handed to the training loop through
 * {@link #poll}. A connection that fails the handshake (wrong secret, truncated frame, silence past the handshake
 * timeout, anything but AUTH) is closed and its reason logged and kept in {@link #rejections()}; the run goes on.
 * The loop rejects authenticated links it does not expect (a stale attempt, a duplicate partition) through
 * {@link #reject}.
 */
public final class AggregationServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregationServer.class);

    private final ServerSocket server;
    private final PeerLink.Credentials credentials;
    private final int handshakeTimeoutMs;
    private final int readTimeoutMs;
    private final BlockingQueue<PeerLink> arrivals = new LinkedBlockingQueue<>();
    private final List<String> rejections = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService handshakes;
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * Listens on {@code bindHost:port} ({@code port} 0: an ephemeral port). {@code handshakeTimeoutMs} bounds how
     * long a connection may stay silent before it authenticates; {@code readTimeoutMs} bounds later reads.
     */
    public AggregationServer(String bindHost, int port, PeerLink.Credentials credentials, int handshakeTimeoutMs,
                             int readTimeoutMs) throws IOException {
        this.credentials = credentials;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.readTimeoutMs = readTimeoutMs;
        this.server = new ServerSocket();
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + bindHost + ":" + port + " for the training service ("
                    + e.getMessage() + "); set spark.snn.aggregation.port to a free port", e);
        }
        this.handshakes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "spark-snn aggregation handshake");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "spark-snn aggregation service :" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port the service listens on. */
    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("aggregation service stopped accepting: {}", e.toString());
                }
                return;
            }
            handshakes.execute(() -> {
                String from = String.valueOf(s.getRemoteSocketAddress());
                try {
                    PeerLink l = PeerLink.accept(s, credentials, -1, handshakeTimeoutMs, readTimeoutMs);
                    if (closed) {
                        l.close();
                    } else {
                        arrivals.add(l);
                    }
                } catch (IOException | RuntimeException e) {
                    record("connection from " + from + " rejected: " + e.getMessage());
                }
            });
        }
    }

    private void record(String reason) {
        rejections.add(reason);
        LOG.warn("spark-snn aggregation service: {}", reason);
    }

    /** The next authenticated link, or null after {@code timeoutMs}. */
    public PeerLink poll(long timeoutMs) throws InterruptedException {
        return arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Authenticated links waiting for the training loop (diagnostics and tests). */
    public int queued() {
        return arrivals.size();
    }

    /** Closes an authenticated link the loop does not expect, logging why. */
    public void reject(PeerLink link, String reason) {
        record("connection from partition " + link.peerPartition() + " rejected: " + reason);
        link.close();
    }

    /** Records a failure of an admitted connection (a protocol violation, a peer that closed) with the rejections. */
    public void note(String reason) {
        record(reason);
    }

    /** Reasons of every rejected connection so far, oldest first. */
    public List<String> rejections() {
        synchronized (rejections) {
            return new ArrayList<>(rejections);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        handshakes.shutdownNow();
        PeerLink l;
        while ((l = arrivals.poll()) != null) {
            l.close();
        }
    }
}
