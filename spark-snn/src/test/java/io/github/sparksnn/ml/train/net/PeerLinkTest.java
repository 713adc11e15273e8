package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.OrderedSum;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Frames over a real loopback socket: handshake, state, partial sums, and the rejections. */
class PeerLinkTest {

    interface Server {
        Object run(PeerLink link) throws IOException;
    }

    /** Runs {@code server} on the accepted link of one connection from partition 3, attempt 2. */
    static <T> T exchange(PeerLink.Credentials serverSide, PeerLink.Credentials clientSide, Server server,
                          ClientSide client) throws Exception {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept(); PeerLink l = PeerLink.accept(s, serverSide, -1, 5_000, 5_000)) {
                    return server.run(l);
                } catch (IOException e) {
                    return e;
                }
            });
            try (PeerLink c = PeerLink.connect("127.0.0.1", ss.getLocalPort(), clientSide, 2, 3, -1, 5_000, 5_000)) {
                client.run(c);
            } catch (IOException e) {
                // the server may hang up first
            }
            @SuppressWarnings("unchecked")
            T t = (T) f.get(10, TimeUnit.SECONDS);
            return t;
        }
    }

    interface ClientSide {
        void run(PeerLink link) throws IOException;
    }

    @Test
    void stateAndPartialSumsRoundTripExactly() throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random();
        int dim = 200_003; // several relay pieces, not a multiple of one
        float[] state = new float[dim];
        for (int i = 0; i < dim; i++) {
            state[i] = (float) Math.sin(i) * 1e-3f + (i % 7 == 0 ? -0f : 0f);
        }
        state[5] = Float.NaN;
        state[6] = Float.MIN_VALUE;
        Object r = exchange(c, c, link -> {
            assertEquals(3, link.peerPartition());
            assertEquals(2, link.peerAttempt());
            link.sendState(1, 4, state, dim);
            Frame f = link.readHeader("a partial sum");
            link.expect(f, Frame.PARTIAL, 1, 4);
            OrderedSum sum = new OrderedSum(6);
            long path = link.readPartial(f, sum, dim, 3, 6);
            assertEquals(77, path);
            sum.add(0, new OrderedSum.Node(null, 0, 0, 0, 0)).add(1, new OrderedSum.Node(null, 0, 0, 0, 0))
                    .add(2, new OrderedSum.Node(null, 0, 0, 0, 0));
            return sum.result();
        }, link -> {
            Frame f = link.readHeader("the state");
            float[] got = new float[dim];
            link.relayState(f, got, dim, new PeerLink[0]);
            assertArrayEquals(state, got, 0f);
            for (int i = 0; i < dim; i++) {
                assertEquals(Float.floatToRawIntBits(state[i]), Float.floatToRawIntBits(got[i]), "bits at " + i);
            }
            // Partitions 3, 4, 5 of 6: leaf 3 waits for 2 at level 0; 4 and 5 meet at (1, 2).
            OrderedSum mine = new OrderedSum(6);
            float[] a = new float[dim];
            float[] b = new float[dim];
            a[0] = 1.5f;
            b[0] = 2.25f;
            mine.add(3, new OrderedSum.Node(a, 1.0, 1, 10, 5)).add(4, new OrderedSum.Node(b, 2.0, 2, 20, 7))
                    .add(5, new OrderedSum.Node(null, 0, 0, 0, 0));
            assertEquals(2, mine.pending().size());
            link.sendPartial(1, 4, mine.pending(), dim, 77);
        });
        OrderedSum.Node root = (OrderedSum.Node) r;
        assertEquals(3.75f, root.vector[0]);
        assertEquals(30, root.count);
        assertEquals(3, root.correct);
        assertEquals(7, root.maxComputeNanos);
    }

    @Test
    void aWrongSecretIsRejectedWithoutCrossingTheSocket() throws Exception {
        PeerLink.Credentials server = PeerLink.Credentials.random();
        PeerLink.Credentials wrong = new PeerLink.Credentials(server.run(), new byte[32]);
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Exception> f = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    PeerLink.accept(s, server, -1, 5_000, 5_000);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try (PeerLink ignored = PeerLink.connect("127.0.0.1", ss.getLocalPort(), wrong, 0, 1, -1, 5_000, 5_000)) {
                // connect returns once AUTH is written; the server then hangs up
            }
            Exception e = f.get(10, TimeUnit.SECONDS);
            assertInstanceOf(ProtocolException.class, e);
            assertTrue(e.getMessage().contains("wrong secret"), e.getMessage());
        }
    }

    @Test
    void aStateOfTheWrongLengthOrStepIsRejected() throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random();
        Object r = exchange(c, c, link -> {
            link.sendState(0, 8, new float[10], 10);
            return null;
        }, link -> {
            Frame f = link.readHeader("the state");
            ProtocolException e = assertThrows(ProtocolException.class, () -> link.relayState(f, new float[12], 12,
                    new PeerLink[0]));
            assertTrue(e.getMessage().contains("wrong length") && e.getMessage().contains("expected 48 bytes"),
                    e.getMessage());
            ProtocolException e2 = assertThrows(ProtocolException.class, () -> link.expect(f, Frame.STATE, 0, 9));
            assertTrue(e2.getMessage().contains("stale or future step"), e2.getMessage());
        });
        assertNull(r);
    }

    @Test
    void aPartialSumOutsideTheSendersPartitionsIsRejected() throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random();
        Object r = exchange(c, c, link -> {
            Frame f = link.readHeader("a partial sum");
            try {
                link.readPartial(f, new OrderedSum(6), 4, 3, 6);
                return "accepted";
            } catch (ProtocolException e) {
                return e.getMessage();
            }
        }, link -> {
            OrderedSum other = new OrderedSum(6).add(1, new OrderedSum.Node(new float[4], 0, 0, 1, 0));
            link.sendPartial(0, 0, other.pending(), 4, 0);
        });
        assertTrue(String.valueOf(r).contains("lies outside its partitions [3, 6)"), String.valueOf(r));
    }
}
