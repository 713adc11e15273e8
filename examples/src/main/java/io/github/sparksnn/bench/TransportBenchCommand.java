package io.github.sparksnn.bench;

import io.github.sparksnn.ml.train.net.Frame;
import io.github.sparksnn.ml.train.net.PeerLink;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code snn bench transport}: the wire that carries barrier mode's vectors, measured against Spark's own transport
 * ({@code spark-network-common}: Netty, {@link TransportContext}, {@link TransportServer},
 * {@link TransportClientFactory}) in one run, both ends in this JVM over loopback (or {@code --host}). Each row echoes
 * a vector of {@code n} floats {@code --rounds} times and reports the one-way time (half the median round trip), the
 * bandwidth that gives, and the CPU the whole process spent per MB moved (both ends' work: framing, copies, tags,
 * ciphers, Netty's event loops), from {@code OperatingSystemMXBean#getProcessCpuTime}.
 *
 * <p>Why CPU per MB is the column that decides: over a link slower than loopback both transports fill the link, and
 * what is left to choose on is the CPU a transport takes from the engine on the same cores (and, on loopback, the
 * bandwidth). The rows:
 * <ul>
 *   <li>{@code snn sockets}: {@link PeerLink} as barrier mode runs it, every frame with an AES-GCM tag (integrity,
 *       both ends authenticated in the handshake); {@code +encrypt} with the payload encrypted too (what barrier
 *       mode does when {@code spark.network.crypto.enabled} is on).</li>
 *   <li>{@code spark netty}: one RPC per vector echoed by an {@link RpcHandler}: plain (no authentication, no
 *       integrity); {@code +auth/AES-CTR}: {@code spark.network.crypto.enabled} with its default cipher (both ends
 *       authenticated, payload encrypted, no per-frame integrity); {@code +auth/AES-GCM}: the GCM cipher Spark 4.0
 *       offers ({@code spark.network.crypto.cipher=AES/GCM/NoPadding}).</li>
 * </ul>
 * The Spark classes are internal API ({@code org.apache.spark.network}, not covered by Spark's compatibility
 * promise), pinned to the Spark version this project builds against (4.0.x).
 */
@Command(name = "transport", mixinStandardHelpOptions = true,
        description = "Barrier mode's sockets vs Spark's Netty transport (plain, AES-CTR, AES-GCM): one-way time, "
                + "bandwidth and CPU per MB, same run.")
public final class TransportBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--floats", split = ",", defaultValue = "65536,407050,1638400",
            description = "Vector sizes in floats (default: ${DEFAULT-VALUE}: one piece, the MLP's vector, 6.5 MB).")
    int[] floats;

    @Option(names = "--rounds", defaultValue = "30", description = "Timed echoes per size (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-rounds", defaultValue = "60",
            description = "Untimed echoes per transport first, at the largest size (default: ${DEFAULT-VALUE}).")
    int warmupRounds;

    @Option(names = "--rpc-timeout-ms", defaultValue = "20000", hidden = true,
            description = "How long a Spark RPC may take before the row fails (default: ${DEFAULT-VALUE}).")
    int rpcTimeoutMs;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address both ends bind and connect to (default: ${DEFAULT-VALUE}).")
    String host;

    /** One way to echo a vector: {@link #echo} sends {@code n} floats and waits for them to come back. */
    interface Wire extends AutoCloseable {
        void echo(float[] v, int n) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** One measured row. */
    record Row(String transport, int floats, double oneWayMs, double gbPerS, double cpuMsPerMb) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (rounds < 3 || warmupRounds < 0 || floats.length == 0 || Arrays.stream(floats).anyMatch(f -> f < 1
                || f > (1 << 26))) {
            err.println(spec.qualifiedName() + ": --rounds must be >= 3, --warmup-rounds >= 0 and every --floats in "
                    + "[1, 67108864]");
            return 2;
        }
        int max = Arrays.stream(floats).max().getAsInt();
        List<Row> rows = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        String[] names = {"snn sockets (AES-GCM tags)", "snn sockets +encrypt (AES-GCM)", "spark netty, plain",
            "spark netty +auth/AES-CTR", "spark netty +auth/AES-GCM"};
        for (int w = 0; w < names.length; w++) {
            err.println("transport: " + names[w] + " ...");
            err.flush();
            try (Wire wire = open(w, max)) {
                float[] v = new float[max];
                for (int r = 0; r < warmupRounds; r++) {
                    wire.echo(v, max);
                }
                for (int n : floats) {
                    rows.add(measure(names[w], wire, v, n, rounds));
                }
            } catch (Exception e) { // a transport that fails is a finding of the bench, not its end
                failed.add(names[w] + ": FAILED: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                        + (w == 4 ? " (Spark 4.0.1's GCM cipher handles one message per channel: SPARK-56227, "
                        + "fixed in later 4.0.x)" : ""));
            }
        }
        out.printf(Locale.ROOT, "bench transport: echoes between two ends in one JVM over %s; %d timed rounds per "
                + "size after %d warm-up rounds; one-way = median round trip / 2; CPU = this process's CPU time per "
                + "MB moved (both ends)%n", host, rounds, warmupRounds);
        out.printf(Locale.ROOT, "%-32s %10s %10s %8s %10s %12s%n", "transport", "floats", "one-way ms", "GB/s",
                "CPU ms/MB", "vs snn (CPU)");
        for (Row r : rows) {
            Row base = rows.stream().filter(b -> b.floats() == r.floats() && b.transport().equals(names[0]))
                    .findFirst().orElseThrow();
            out.printf(Locale.ROOT, "%-32s %10d %10.3f %8.3f %10.3f %12s%n", r.transport(), r.floats(),
                    r.oneWayMs(), r.gbPerS(), r.cpuMsPerMb(), base.cpuMsPerMb() > 0
                    ? String.format(Locale.ROOT, "%.2fx", r.cpuMsPerMb() / base.cpuMsPerMb()) : "-");
        }
        for (String f : failed) {
            out.println(f);
        }
        out.flush();
        // Only the known GCM failure is a finding; any other transport failing fails the bench.
        boolean unexpected = failed.stream().anyMatch(f -> !f.startsWith(names[4]));
        return unexpected ? io.github.sparksnn.cli.SnnCli.EXIT_CHECK_FAILED : 0;
    }

    private Wire open(int which, int max) throws Exception {
        return switch (which) {
            case 0 -> new SnnWire(host, max, false);
            case 1 -> new SnnWire(host, max, true);
            case 2 -> new SparkWire(host, null, rpcTimeoutMs);
            case 3 -> new SparkWire(host, "AES/CTR/NoPadding", rpcTimeoutMs);
            default -> new SparkWire(host, "AES/GCM/NoPadding", rpcTimeoutMs);
        };
    }

    /** Median one-way time of {@code rounds} echoes of {@code n} floats, and the process CPU per MB over them. */
    static Row measure(String name, Wire wire, float[] v, int n, int rounds) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] t = new double[rounds];
        long cpu0 = os.getProcessCpuTime();
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            wire.echo(v, n);
            t[r] = (System.nanoTime() - t0) / 1e6 / 2;
        }
        long cpu = os.getProcessCpuTime() - cpu0;
        Arrays.sort(t);
        double oneWay = t[rounds / 2];
        double mb = 2.0 * rounds * 4.0 * n / 1e6; // both directions
        return new Row(name, n, oneWay, 4.0 * n / 1e6 / oneWay, cpu / 1e6 / mb);
    }

    /** Barrier mode's wire: a {@link PeerLink} pair, state frames echoed by a thread. */
    static final class SnnWire implements Wire {
        private final ServerSocket server;
        private final Thread echo;
        private final PeerLink link;

        SnnWire(String host, int max, boolean encrypt) throws IOException {
            PeerLink.Credentials c = PeerLink.Credentials.random().withEncryption(encrypt);
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            echo = new Thread(() -> {
                try (Socket s = server.accept(); PeerLink l = PeerLink.accept(s, c, -1, 10_000, 60_000)) {
                    float[] buf = new float[max];
                    while (true) {
                        Frame f = l.readHeader("a probe");
                        if (f.type() == Frame.END) {
                            return;
                        }
                        int n = (int) (f.length() / 4);
                        l.readState(f, buf, n);
                        l.sendState(f.epoch(), f.step(), buf, n);
                    }
                } catch (IOException ignored) {
                    // the bench is over
                }
            }, "transport bench echo");
            echo.setDaemon(true);
            echo.start();
            link = PeerLink.connect(host, server.getLocalPort(), c, 0, 0, -1, 10_000, 60_000);
        }

        @Override
        public void echo(float[] v, int n) throws IOException {
            link.sendState(0, 0, v, n);
            Frame f = link.readHeader("the echo");
            link.readState(f, v, n);
        }

        @Override
        public void close() throws Exception {
            link.sendEnd(0, 0);
            link.close();
            echo.join(5_000);
            server.close();
        }
    }

    /**
     * Spark's transport: a {@link TransportServer} whose {@link RpcHandler} answers every RPC with its payload, and a
     * client that sends the vector as one RPC (little-endian floats, as barrier mode sends them) and reads the answer
     * back into the array. {@code cipher} null: no authentication; else {@code spark.network.crypto.enabled} with that
     * cipher, the server and the client sharing a secret as Spark's executors do.
     */
    static final class SparkWire implements Wire {
        private final TransportContext context;
        private final TransportServer server;
        private final TransportClientFactory factory;
        private final TransportClient client;
        private final int timeoutMs;
        private ByteBuffer send = ByteBuffer.allocateDirect(0);

        SparkWire(String host, String cipher, int timeoutMs) throws IOException, InterruptedException {
            this.timeoutMs = timeoutMs;
            Map<String, String> conf = new java.util.HashMap<>();
            conf.put("spark.network.io.numConnectionsPerPeer", "1");
            if (cipher != null) {
                conf.put("spark.network.crypto.enabled", "true");
                conf.put("spark.network.crypto.cipher", cipher);
            }
            TransportConf tc = new TransportConf("snnbench", new MapConfigProvider(conf));
            RpcHandler echo = new RpcHandler() {
                private final StreamManager streams = new OneForOneStreamManager();

                @Override
                public void receive(TransportClient c, ByteBuffer message, RpcResponseCallback callback) {
                    ByteBuffer copy = ByteBuffer.allocate(message.remaining());
                    copy.put(message).flip();
                    callback.onSuccess(copy);
                }

                @Override
                public StreamManager getStreamManager() {
                    return streams;
                }
            };
            context = new TransportContext(tc, echo);
            List<TransportServerBootstrap> sb = new ArrayList<>();
            List<TransportClientBootstrap> cb = new ArrayList<>();
            if (cipher != null) {
                String secret = java.util.HexFormat.of().formatHex(PeerLink.Credentials.random().secret());
                SecretKeyHolder keys = new SecretKeyHolder() {
                    @Override
                    public String getSaslUser(String appId) {
                        return "snn";
                    }

                    @Override
                    public String getSecretKey(String appId) {
                        return secret;
                    }
                };
                sb.add(new AuthServerBootstrap(tc, keys));
                cb.add(new AuthClientBootstrap(tc, "snn-bench", keys));
            }
            server = context.createServer(host, 0, sb);
            factory = context.createClientFactory(cb);
            client = factory.createClient(host, server.getPort());
        }

        @Override
        public void echo(float[] v, int n) {
            if (send.capacity() < 4 * n) {
                send = ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            send.clear();
            send.asFloatBuffer().put(v, 0, n);
            send.limit(4 * n);
            ByteBuffer back = client.sendRpcSync(send, timeoutMs);
            if (back.remaining() != 4 * n) {
                throw new IllegalStateException("the echo had " + back.remaining() + " bytes, expected " + 4 * n);
            }
            back.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v, 0, n);
        }

        @Override
        public void close() {
            client.close();
            factory.close();
            server.close();
            context.close();
        }
    }
}
