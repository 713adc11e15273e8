package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Receives one step's partial sums from the links below (a task's children, or the tasks that send to the driver)
 * on one thread per link, so a vector arrives while the receiver still computes its own share instead of after it.
 * Only receiving runs in parallel: the sums are added by the caller, in partition order.
 *
 * <p>Two ways to receive: whole ({@link #start}, {@link #addTo}: the driver, which adds whole nodes into its
 * {@link OrderedSum}) or streamed ({@link #startStreaming}, {@link #head}, {@link #awaitFrom}, {@link #trailer}: a
 * task, which adds piece k of its children's vectors and sends it up while piece k - 1 arrives, so a level of the
 * tree costs one piece's time, not one vector's). Pieces come the last first ({@link #lastPiece}), the order in which
 * the backward pass completes the gradient.
 */
public final class PartialReceiver implements AutoCloseable {
    private final String receiver;
    private final PeerLink[] links;
    private final int[] partitions;
    private final int[] ends;
    private final int[] timeoutsMs;
    private final int numLeaves;
    private final int dim;
    private final int frameType;
    private final ExecutorService pool;
    private final Frame[] frames;
    @SuppressWarnings("unchecked")
    private final Future<PeerLink.Partial>[] pending;

    /**
     * {@code receiver} names the receiving side in errors ("partition 3", "the driver"); link {@code i} carries the
     * sums of partitions {@code [partitions[i], ends[i])} and may stay silent for {@code timeoutsMs[i]}.
     */
    @SuppressWarnings("unchecked")
    public PartialReceiver(String receiver, PeerLink[] links, int[] partitions, int[] ends, int[] timeoutsMs, int numLeaves,
                    int dim, boolean bf16) {
        this.frameType = bf16 ? Frame.PARTIAL16 : Frame.PARTIAL;
        this.receiver = receiver;
        this.links = links;
        this.partitions = partitions;
        this.ends = ends;
        this.timeoutsMs = timeoutsMs;
        this.numLeaves = numLeaves;
        this.dim = dim;
        this.frames = new Frame[links.length];
        this.pending = new Future[links.length];
        this.heads = new PeerLink.PartialHead[links.length];
        this.trailers = new PeerLink.PartialTrailer[links.length];
        this.ready = new int[links.length];
        this.failed = new boolean[links.length];
        this.pool = links.length == 0 ? null : Executors.newFixedThreadPool(links.length, r -> {
            Thread t = new Thread(r, "spark-snn partial sums to " + receiver);
            t.setDaemon(true);
            return t;
        });
    }

    private final PeerLink.PartialHead[] heads;
    private final PeerLink.PartialTrailer[] trailers;
    private final int[] ready;
    private final boolean[] failed;
    private float[][] vectors;

    /** Starts receiving the partial sums of (epoch, step) on every link. */
    public void start(int epoch, int step) {
        for (int i = 0; i < links.length; i++) {
            final int k = i;
            pending[i] = pool.submit(() -> {
                PeerLink l = links[k];
                l.readTimeout(timeoutsMs[k]);
                Frame f;
                try {
                    f = l.readHeader("the partial sum of step " + (step + 1));
                } catch (SocketTimeoutException e) {
                    throw new IOException(receiver + " got no partial sum from partition " + partitions[k]
                            + " for epoch " + (epoch + 1) + ", step " + (step + 1) + " within " + timeoutsMs[k]
                            + " ms (stepTimeout per tree level)");
                }
                l.expect(f, frameType, epoch, step);
                frames[k] = f;
                return l.readStreamedPartial(f, dim, partitions[k], ends[k], numLeaves);
            });
        }
    }

    /**
     * Starts receiving the streamed partial sums of (epoch, step) on every link: each link's head, then its vector
     * piece by piece into a buffer of this receiver's ({@link #vector}), reused every step.
     */
    public void startStreaming(int epoch, int step) {
        if (vectors == null) {
            vectors = new float[links.length][dim];
        }
        synchronized (heads) {
            java.util.Arrays.fill(heads, null);
            java.util.Arrays.fill(trailers, null);
            java.util.Arrays.fill(ready, Integer.MAX_VALUE);
            java.util.Arrays.fill(failed, false);
        }
        for (int i = 0; i < links.length; i++) {
            final int k = i;
            pending[i] = pool.submit(() -> {
                try {
                    PeerLink l = links[k];
                    l.readTimeout(timeoutsMs[k]);
                    Frame f;
                    try {
                        f = l.readHeader("the partial sum of step " + (step + 1));
                    } catch (SocketTimeoutException e) {
                        throw new IOException(receiver + " got no partial sum from partition " + partitions[k]
                                + " for epoch " + (epoch + 1) + ", step " + (step + 1) + " within " + timeoutsMs[k]
                                + " ms (stepTimeout per tree level)");
                    }
                    l.expect(f, frameType, epoch, step);
                    PeerLink.PartialHead h = l.readPartialHead(f, dim, partitions[k], ends[k], numLeaves);
                    synchronized (heads) {
                        heads[k] = h;
                        heads.notifyAll();
                    }
                    PeerLink.PartialTrailer t;
                    int at = dim; // values below this one have not arrived
                    try {
                        if (h.present()) {
                            for (int off = lastPiece(dim); off >= 0; off = previousPiece(off)) {
                                int n = pieceLength(off, dim);
                                l.readVectorPiece(f, h, vectors[k], off, n);
                                at = off;
                                synchronized (heads) {
                                    ready[k] = off;
                                    heads.notifyAll();
                                }
                            }
                        }
                        t = l.readPartialTrailer(f, h);
                    } catch (SocketTimeoutException e) {
                        // A sender stalled part-way through its frame (its engine hung after its first layers'
                        // pieces had left): say whose sum and how far it got, as for a sum that never started.
                        throw new IOException(receiver + " got only part of the partial sum of partition "
                                + partitions[k] + " for epoch " + (epoch + 1) + ", step " + (step + 1) + " ("
                                + (h.present() ? (dim - at) + " of " + dim + " values" : "no vector") + ", no "
                                + "trailer), then nothing within " + timeoutsMs[k] + " ms (stepTimeout per tree level)");
                    }
                    synchronized (heads) {
                        trailers[k] = t;
                        heads.notifyAll();
                    }
                    return null;
                } catch (IOException | RuntimeException | Error e) {
                    synchronized (heads) {
                        failed[k] = true;
                        heads.notifyAll();
                    }
                    throw e;
                }
            });
        }
    }

    /**
     * Values per piece of a streamed vector (64 KB of floats), up the tree and down. A piece is the unit of
     * cut-through: every link a vector crosses adds one piece's time to the round (the last piece's way up and back
     * down), so at 1 Gbit/s a piece of 64 KB costs 0.5 ms a hop where 256 KB cost 2.1 ms; smaller pieces would add
     * a write and a hand-over between threads per piece for less than that.
     */
    public static final int PIECE = 1 << 14;

    /**
     * Values in a vector's first piece, {@code [0, HEAD)} (4 KB of floats): the piece the backward pass completes
     * last, since it holds the first layer's gradient. Every other piece is a whole {@link #PIECE}; this one is small
     * because nothing of the round can hide its way up the tree and back down (the last piece's hops are the round's
     * tail, one piece time per link), while every earlier piece travels while the backward pass goes on. A first
     * layer smaller than the head (a convolution over the input's few channels) then costs 0.03 ms a link at 1
     * Gbit/s instead of 0.5 ms; the layer behind it, final earlier, rides in the next piece.
     */
    public static final int HEAD = 1 << 10;

    /**
     * The offset of the last piece of a vector of {@code dim} values (-1 when empty). The pieces are
     * {@code [0, HEAD)}, then {@code [HEAD + k PIECE, HEAD + (k + 1) PIECE)} clipped at {@code dim}; every vector on
     * the wire goes piece by piece from the last down to 0,
     * {@code for (off = lastPiece(dim); off >= 0; off = previousPiece(off))}, the order in which the backward pass
     * completes the gradient (the last layer first).
     */
    public static int lastPiece(int dim) {
        return dim <= 0 ? -1 : dim <= HEAD ? 0 : HEAD + (dim - HEAD - 1) / PIECE * PIECE;
    }

    /** The piece sent after the one at {@code off} (the one below it), -1 after the first piece. */
    public static int previousPiece(int off) {
        return off <= 0 ? -1 : off == HEAD ? 0 : off - PIECE;
    }

    /** Values in the piece at {@code off} of a vector of {@code dim} values. */
    public static int pieceLength(int off, int dim) {
        return off == 0 ? Math.min(HEAD, dim) : Math.min(PIECE, dim - off);
    }

    /** Link {@code i}'s head, once read (its vector may still be arriving). */
    public PeerLink.PartialHead head(int i) throws IOException {
        synchronized (heads) {
            while (heads[i] == null && !failed[i]) {
                waitOn(i);
            }
            if (heads[i] != null) {
                return heads[i];
            }
        }
        throw failure(i);
    }

    /** Waits until link {@code i}'s vector holds its values from {@code off} on (unchecked until its trailer). */
    public void awaitFrom(int i, int off) throws IOException {
        synchronized (heads) {
            while (ready[i] > off && !failed[i]) {
                waitOn(i);
            }
            if (ready[i] <= off) {
                return;
            }
        }
        throw failure(i);
    }

    /** Link {@code i}'s trailer, once read: its node's statistics, with the whole frame's tag checked. */
    public PeerLink.PartialTrailer trailer(int i) throws IOException {
        synchronized (heads) {
            while (trailers[i] == null && !failed[i]) {
                waitOn(i);
            }
            if (trailers[i] != null) {
                return trailers[i];
            }
        }
        throw failure(i);
    }

    /** Link {@code i}'s streamed vector (valid from what {@link #awaitFrom} waited for). */
    public float[] vector(int i) {
        return vectors[i];
    }

    private void waitOn(int i) throws IOException {
        try {
            heads.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(receiver + " was interrupted while receiving the partial sum of partition "
                    + partitions[i], e);
        }
    }

    /** The reason link {@code i}'s reader failed. */
    private IOException failure(int i) throws IOException {
        try {
            pending[i].get();
            return new IOException(receiver + ": the partial sum of partition " + partitions[i] + " ended early");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                return io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            return new IOException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new IOException(receiver + " was interrupted while receiving partial sums", e);
        }
    }

    /** Waits for link {@code i}'s partial sum, adds it to {@code sum} and returns the sender's path nanos. */
    public long addTo(int i, OrderedSum sum) throws IOException {
        PeerLink.Partial p;
        try {
            p = pending[i].get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(receiver + " was interrupted while receiving partial sums", e);
        }
        links[i].add(p, sum, frames[i]);
        return p.pathNanos();
    }

    /** Nanoseconds the last {@link #addTo} calls spent adding, over all links. */
    public long mergeNanos() {
        long s = 0;
        for (PeerLink l : links) {
            s += l.lastMergeNanos();
        }
        return s;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
