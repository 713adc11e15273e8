package io.github.sparksnn.bench.scale;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The bridge ports' byte counters ({@code /sys/class/net/PORT/statistics/{rx,tx}_bytes} read inside the switch
 * namespace): a port's rx is what its endpoint sent, its tx what the endpoint received, so one read in one namespace
 * gives every link both ways.
 */
public final class LinkCounters {
    private LinkCounters() {
    }

    /** Bytes through one port so far: {@code sent} by its endpoint (the port's rx), {@code received} (its tx). */
    public record Count(long sent, long received) {
        Count minus(Count o) {
            return new Count(sent - o.sent, received - o.received);
        }
    }

    /** Parses {@code name rx tx} lines; lines that do not have that shape are skipped. */
    public static Map<String, Count> parse(String text) {
        Map<String, Count> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 3) {
                continue;
            }
            try {
                m.put(f[0], new Count(Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (NumberFormatException ignored) {
                // not a counter line
            }
        }
        return m;
    }

    /** after - before for every port present in both. */
    public static Map<String, Count> delta(Map<String, Count> before, Map<String, Count> after) {
        Map<String, Count> d = new LinkedHashMap<>();
        for (Map.Entry<String, Count> e : after.entrySet()) {
            Count b = before.get(e.getKey());
            if (b != null) {
                d.put(e.getKey(), e.getValue().minus(b));
            }
        }
        return d;
    }

    /**
     * A shell kept running in the switch namespace that prints every port's counters each time it reads a line,
     * with shell builtins only (no process per read), so a read costs well under a millisecond and does not stretch
     * the step it falls in.
     */
    public static final class Reader implements AutoCloseable {
        private final Process process;
        private final java.io.BufferedReader in;
        private final java.io.Writer out;

        public Reader(String switchNs) throws IOException {
            String loop = "while read _; do for d in /sys/class/net/*; do read r < $d/statistics/rx_bytes; "
                    + "read t < $d/statistics/tx_bytes; echo \"${d##*/} $r $t\"; done; echo END; done";
            process = new ProcessBuilder("ip", "netns", "exec", switchNs, "sh", "-c", loop)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            out = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** Every port's counters now. */
        public synchronized Map<String, Count> read() throws IOException {
            out.write("x\n");
            out.flush();
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null && !line.equals("END")) {
                sb.append(line).append('\n');
            }
            if (line == null) {
                throw new IOException("the counter reader in the switch namespace ended");
            }
            return parse(sb.toString());
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // ending anyway
            }
            process.destroy();
        }
    }

    /** Runs {@code command} (the plan's {@link NamespacePlan#portCountersCommand()}) and parses what it prints. */
    public static Map<String, Count> read(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("reading the link counters failed (" + NamespacePlan.line(command) + "): "
                    + new String(out, StandardCharsets.UTF_8).trim());
        }
        return parse(new String(out, StandardCharsets.UTF_8));
    }
}
