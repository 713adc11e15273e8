package io.github.sparksnn.ml.train.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver's end of barrier-mode training: a {@link Listener} on the driver's host whose connections are
 * authenticated without a thread each and handed to the training loop through {@link #poll}. A connection that
 * fails the handshake (wrong secret, truncated frame, no complete handshake within the deadline, anything but
 * AUTH) is closed, counted and its reason logged (a few a minute) and kept (the last few); the run goes on. The
 * loop rejects authenticated links it does not expect (a stale attempt, a duplicate partition) through
 * {@link #reject}, and records why attempts failed through {@link #note}: those notes come from the run itself,
 * not from strangers, and are all kept (at most {@link #MAX_NOTES}).
 */
public final class AggregationServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregationServer.class);
    /** Attempt notes kept; a run has a handful (one per failed attempt). */
    static final int MAX_NOTES = 1000;
    /** Handshakes in progress at once, at most. */
    static final int MAX_PENDING = 512;

    private final Listener listener;
    private final ArrayDeque<String> notes = new ArrayDeque<>();

    /**
     * Listens on {@code bindHost:port} ({@code port} 0: an ephemeral port). {@code handshakeTimeoutMs} bounds a
     * connection's whole handshake; {@code readTimeoutMs} bounds later reads.
     */
    public AggregationServer(String bindHost, int port, PeerLink.Credentials credentials, int handshakeTimeoutMs,
                             int readTimeoutMs) throws IOException {
        try {
            this.listener = new Listener("spark-snn aggregation service", bindHost, port, credentials, -1,
                    handshakeTimeoutMs, readTimeoutMs, MAX_PENDING);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + bindHost + ":" + port + " for the training service ("
                    + e.getMessage() + "); set spark.snn.aggregation.port to a free port", e);
        }
    }

    /** The port the service listens on. */
    public int port() {
        return listener.port();
    }

    /** The next authenticated link, or null after {@code timeoutMs}. */
    public PeerLink poll(long timeoutMs) throws InterruptedException {
        return listener.poll(timeoutMs);
    }

    /** Authenticated links waiting for the training loop (diagnostics and tests). */
    public int queued() {
        return listener.queued();
    }

    /** Closes an authenticated link the loop does not expect, logging why. */
    public void reject(PeerLink link, String reason) {
        listener.reject(link, reason);
    }

    /** Records a failure of an admitted connection or an attempt (a protocol violation, a peer that closed). */
    public void note(String reason) {
        synchronized (notes) {
            notes.addLast(reason);
            if (notes.size() > MAX_NOTES) {
                notes.removeFirst();
            }
        }
        LOG.warn("spark-snn aggregation service: {}", reason);
    }

    /** Connections rejected so far, all of them counted. */
    public long rejectedCount() {
        return listener.rejectedCount();
    }

    /**
     * The last rejections of connections (at most {@link Listener#KEPT}) and every attempt note, each group oldest
     * first.
     */
    public List<String> rejections() {
        List<String> all = new ArrayList<>(listener.rejections());
        synchronized (notes) {
            all.addAll(notes);
        }
        return all;
    }

    /** Handshakes in progress (tests). */
    public int pendingHandshakes() {
        return listener.pendingHandshakes();
    }

    @Override
    public void close() {
        listener.close();
    }
}
