package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;
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
            // The server hangs up instead of proving the secret in turn: the client refuses the link too.
            assertThrows(IOException.class, () -> PeerLink.connect("127.0.0.1", ss.getLocalPort(), wrong, 0, 1, -1,
                    5_000, 5_000));
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

    @Test
    void aListenerWithoutTheSecretIsRefusedByTheClient() throws Exception {
        PeerLink.Credentials real = PeerLink.Credentials.random();
        PeerLink.Credentials impostor = new PeerLink.Credentials(real.run(), new byte[32]);
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            // The impostor's blocking accept cannot check the client's proof (different secret) and hangs up; a
            // listener that answered anything but the right proof is refused by the client's own check, below.
            CompletableFuture<Exception> f = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    PeerLink.ServerHandshake hs = new PeerLink.ServerHandshake(impostor, -1);
                    s.getOutputStream().write(hs.hello());
                    byte[] auth = s.getInputStream().readNBytes(PeerLink.ServerHandshake.AUTH_BYTES);
                    // Answer with a proof under its own secret, as a listener that skipped the check would.
                    java.nio.ByteBuffer r = java.nio.ByteBuffer.allocate(72).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    PeerLink.putHeader(r, Frame.AUTH, real.run(), 2, 0, 0, -1, 32);
                    r.put(PeerLink.proof(impostor.secret(), "server", new byte[8]));
                    s.getOutputStream().write(r.array());
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            ProtocolException e = assertThrows(ProtocolException.class, () -> PeerLink.connect("127.0.0.1",
                    ss.getLocalPort(), real, 2, 3, -1, 5_000, 5_000));
            assertTrue(e.getMessage().contains("did not prove this run's secret"), e.getMessage());
            f.get(10, TimeUnit.SECONDS);
        }
    }

    /** A relay between a client and a server that rewrites the server-to-client stream with {@code edit}. */
    interface Edit {
        /** The bytes to forward for byte {@code b} at stream position {@code pos}. */
        byte[] apply(long pos, int b);
    }

    /** Server: handshake then {@code server}; client through the relay: handshake then {@code client}. */
    static Exception throughRelay(Edit edit, Server server, ClientSide client) throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random();
        try (ServerSocket ss = new ServerSocket(); ServerSocket relay = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            relay.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture.runAsync(() -> {
                try (Socket s = ss.accept(); PeerLink l = PeerLink.accept(s, c, -1, 5_000, 5_000)) {
                    server.run(l);
                    Thread.sleep(2_000);
                } catch (Exception ignored) {
                    // the client's side is what the test checks
                }
            });
            CompletableFuture.runAsync(() -> {
                try (Socket in = relay.accept(); Socket out = new Socket(InetAddress.getLoopbackAddress(),
                        ss.getLocalPort())) {
                    CompletableFuture.runAsync(() -> {
                        try {
                            in.getInputStream().transferTo(out.getOutputStream());
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    java.io.InputStream from = out.getInputStream();
                    java.io.OutputStream to = in.getOutputStream();
                    long pos = 0;
                    for (int b; (b = from.read()) >= 0; pos++) {
                        to.write(edit.apply(pos, b));
                        to.flush();
                    }
                } catch (IOException ignored) {
                    // closed
                }
            });
            try (PeerLink l = PeerLink.connect("127.0.0.1", relay.getLocalPort(), c, 2, 3, -1, 5_000, 5_000)) {
                client.run(l);
                return null;
            } catch (Exception e) {
                return e;
            }
        }
    }

    /** Server to client: HELLO (40 + 32 bytes) and the server's AUTH (40 + 32); frames follow. */
    static final long HANDSHAKE_DOWN = 144;

    @Test
    void aTamperedFrameByteIsRefused() throws Exception {
        float[] state = new float[10];
        for (long at : new long[]{HANDSHAKE_DOWN + 3, HANDSHAKE_DOWN + 20, HANDSHAKE_DOWN + 40 + 5,
                HANDSHAKE_DOWN + 40 + 40 + 2}) { // magic, epoch (header), payload, tag
            Exception e = throughRelay((pos, b) -> new byte[]{(byte) (pos == at ? b ^ 0x10 : b)},
                    l -> {
                        l.sendState(0, 0, state, 10);
                        return null;
                    }, l -> {
                        Frame f = l.readHeader("the state");
                        l.readState(f, new float[10], 10);
                    });
            assertInstanceOf(ProtocolException.class, e, "byte " + at);
            if (at != HANDSHAKE_DOWN + 3) {
                assertTrue(e.getMessage().contains("fails its integrity check"), e.getMessage());
            }
        }
    }

    @Test
    void aReplayedFrameIsRefused() throws Exception {
        // The server sends one END (40 + 16 bytes); the relay sends it twice.
        java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
        Exception e = throughRelay((pos, b) -> {
            if (pos < HANDSHAKE_DOWN || pos >= HANDSHAKE_DOWN + 56) {
                return new byte[]{(byte) b};
            }
            copy.write(b);
            if (pos == HANDSHAKE_DOWN + 55) {
                byte[] twice = new byte[112];
                System.arraycopy(copy.toByteArray(), 0, twice, 0, 56);
                System.arraycopy(copy.toByteArray(), 0, twice, 56, 56);
                return twice;
            }
            return new byte[0];
        }, l -> {
            l.sendEnd(0, 5);
            return null;
        }, l -> {
            assertEquals(Frame.END, l.readHeader("the end").type());
            l.readHeader("the next frame");
        });
        assertInstanceOf(ProtocolException.class, e);
        assertTrue(e.getMessage().contains("fails its integrity check"), e.getMessage());
    }

    @Test
    void anEncryptedLinkCarriesTheSameBitsAndHidesThem() throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random().withEncryption(true);
        float[] state = new float[100_003];
        for (int i = 0; i < state.length; i++) {
            state[i] = i * 0.25f;
        }
        Object r = exchange(c, c, l -> {
            l.sendState(0, 0, state, state.length);
            Frame f = l.readHeader("a partial sum");
            l.expect(f, Frame.PARTIAL, 0, 0);
            OrderedSum sum = new OrderedSum(4);
            l.readPartial(f, sum, 3, 3, 4);
            return sum.pending().size();
        }, l -> {
            Frame f = l.readHeader("the state");
            float[] got = new float[state.length];
            l.relayState(f, got, state.length, new PeerLink[0]);
            assertArrayEquals(state, got, 0f);
            l.sendPartial(0, 0, new OrderedSum(4).add(3, new OrderedSum.Node(new float[3], 1, 1, 1, 1)).pending(),
                    3, 0);
        });
        assertEquals(1, r);
    }

    /**
     * Mutated real frames against the parser: every input parses or is refused with a ProtocolException (or an
     * EOFException, or a PeerFailure for an ERROR frame), never an unchecked exception, and the receive buffer never
     * grows beyond what a valid frame of the expected kind may hold.
     */
    @Test
    void fuzzedFramesAreParsedOrRefusedWithAReason() throws Exception {
        long run = 42;
        int dim = 8;
        java.io.ByteArrayOutputStream real = new java.io.ByteArrayOutputStream();
        PeerLink w = PeerLink.unsealed(java.io.InputStream.nullInputStream(), real, run, 1, 2, -1);
        w.sendState(0, 3, new float[dim], dim);
        OrderedSum s = new OrderedSum(4).add(2, new OrderedSum.Node(new float[dim], 1, 1, 1, 1))
                .add(3, new OrderedSum.Node(null, 0, 0, 0, 0));
        OrderedSum.Pending node = s.pending().get(0);
        for (boolean bf16 : new boolean[]{false, true}) { // the streamed frames tasks send: head, pieces, trailer
            w.beginPartial(0, 3, node.level(), node.index(), node.node().count, true, dim, bf16);
            w.writeVectorPiece(node.node().vector, 0, dim, bf16);
            w.endPartial(node.node(), 5);
        }
        w.sendEnd(0, 4);
        w.sendRegister("127.0.0.1:1234");
        w.sendPeers(new String[]{"a:1", "b:2", "c:3", "d:4"});
        w.sendError(0, 3, "boom", false);
        byte[] frames = real.toByteArray();
        long maxPartial = 12 + (2L * (33 - Integer.numberOfLeadingZeros(2)) + 2) * (49 + dim * 4L);
        java.util.Random rnd = new java.util.Random(20261205L);
        int parsed = 0;
        for (int k = 0; k < 3_000; k++) {
            byte[] b = frames.clone();
            int edits = k <= 1 ? 0 : 1 + rnd.nextInt(4); // cases 0 and 1: the real frames, which must all parse
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(b.length);
                switch (rnd.nextInt(3)) {
                    case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                    case 1 -> b[at] = (byte) rnd.nextInt(256);
                    default -> { // a length or count field set to something large or negative
                        if (at + 4 <= b.length) {
                            java.nio.ByteBuffer.wrap(b, at, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                                    .putInt(rnd.nextBoolean() ? Integer.MAX_VALUE - rnd.nextInt(100) : -rnd.nextInt(5));
                        }
                    }
                }
            }
            int cut = k > 1 && rnd.nextInt(8) == 0 ? rnd.nextInt(b.length) : b.length;
            PeerLink r = PeerLink.unsealed(new java.io.ByteArrayInputStream(b, 0, cut),
                    java.io.OutputStream.nullOutputStream(), run, 1, -1, 2);
            try {
                for (int frame = 0; frame < 8; frame++) {
                    if (frame == 4) { // these two read their own headers
                        r.readRegister();
                        continue;
                    } else if (frame == 5) {
                        r.readPeers(4);
                        continue;
                    }
                    Frame f = r.readHeader("a frame");
                    switch (f.type()) {
                        case Frame.STATE, Frame.DELTA16 -> r.relayState(f, new float[dim], dim, new PeerLink[0]);
                        case Frame.PARTIAL, Frame.PARTIAL16 -> {
                            if (k % 2 == 0) { // whole, as the driver reads
                                r.readStreamedPartial(f, dim, 2, 4, 4);
                            } else { // streamed, as a task reads its children's sums
                                PeerLink.PartialHead h = r.readPartialHead(f, dim, 2, 4, 4);
                                if (h.present()) {
                                    float[] v = new float[dim];
                                    r.readVectorPiece(f, h, v, 0, 3);
                                    r.readVectorPiece(f, h, v, 3, dim - 3);
                                }
                                r.readPartialTrailer(f, h);
                            }
                        }
                        case Frame.REGISTER -> r.readRegister();
                        case Frame.PEERS -> r.readPeers(4);
                        case Frame.ERROR -> r.expect(f, Frame.PARTIAL, 0, 3);
                        case Frame.END -> r.expect(f, Frame.END, 0, 4);
                        default -> throw new ProtocolException("unknown type");
                    }
                    assertTrue(r.bufferBytes() <= maxPartial, "buffer of " + r.bufferBytes() + " bytes");
                }
                parsed++;
            } catch (PeerFailure reachedTheLastFrame) { // the ERROR frame, last of the seven: all parsed
                parsed++;
            } catch (ProtocolException | java.io.EOFException expected) {
                assertTrue(k > 1, "the real frames parse: " + expected);
                assertTrue(r.bufferBytes() <= maxPartial, "buffer of " + r.bufferBytes() + " bytes, case " + k);
            } catch (IOException | RuntimeException e) {
                fail("case " + k + ": " + e, e);
            }
        }
        assertTrue(parsed > 0 && parsed < 3_000, "some cases parse, most do not: " + parsed);
    }

    @Test
    void theListenerHandsOverAuthenticatedLinksAndDropsStrangers() throws Exception {
        PeerLink.Credentials c = PeerLink.Credentials.random();
        try (Listener l = new Listener("test", "127.0.0.1", 0, c, -1, 2_000, 5_000, 8)) {
            try (Socket scan = new Socket("127.0.0.1", l.port())) {
                scan.getOutputStream().write(new byte[50]); // garbage: bad magic
            }
            try (PeerLink client = PeerLink.connect("127.0.0.1", l.port(), c, 0, 4, -1, 5_000, 5_000)) {
                PeerLink server = l.poll(5_000);
                assertNotNull(server);
                assertEquals(4, server.peerPartition());
                // The server waits first: a read that starts before the bytes arrive must see them.
                CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.readRegister();
                    } catch (IOException e) {
                        return e.toString();
                    }
                });
                Thread.sleep(300);
                client.sendRegister("here:1");
                assertEquals("here:1", got.get(10, TimeUnit.SECONDS));
                // A leaf task registers an empty address: a frame whose tag follows its header at once, read once.
                client.sendRegister("");
                client.sendRegister("there:2");
                server.readTimeout(5_000);
                assertEquals("", server.readRegister());
                assertEquals("there:2", server.readRegister());
                server.close();
            }
            assertTrue(String.join("\n", l.rejections()).contains("bad magic"), l.rejections().toString());
        }
    }
}
