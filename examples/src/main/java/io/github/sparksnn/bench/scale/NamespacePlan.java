package io.github.sparksnn.bench.scale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The emulated network of {@code snn bench scale}, as the {@code ip}/{@code tc} commands that build it and the
 * namespaces that tear it down, computed without running anything (so a test can read them).
 *
 * <pre>
 *   PREFIX-drv  10.213.0.1  eth0 ──┐                      (driver: Spark Master + the training driver)
 *   PREFIX-h1   10.213.0.11 eth0 ──┤  pdrv, p1 .. pN        (host i: one Spark Worker, its executor)
 *   ...                            ├── br0 in PREFIX-sw     (the switch)
 *   PREFIX-hN   10.213.0.(10+N) ───┘
 * </pre>
 *
 * Every endpoint is a network namespace with one veth ({@code eth0}) whose peer ({@code pdrv}, {@code p<i>}) is a port
 * of the bridge {@code br0} in a switch namespace of its own. Each link is shaped to {@code G} Gbit/s each way with
 * HTB (the kernel has neither netem nor tbf): the endpoint's {@code eth0} shapes what it sends, the bridge port what it
 * receives. Devices are created directly inside these namespaces ({@code ip -n SW link add ... peer ... netns E}), never
 * in the caller's namespace, so their short names cannot collide with anything else; the namespaces carry the unique
 * prefix {@code snnb<pid>-}. Deleting a namespace deletes its devices and their veth peers, so teardown is one
 * {@code ip netns del} per namespace (after ending the processes still inside it, which only this bench started).
 */
public final class NamespacePlan {
    /** The emulated network's /24: private, and reachable only inside these namespaces (none in the root one). */
    public static final String SUBNET = "10.213.0";
    /** Prefix of every namespace name; the bench's pid follows, then {@code -}. */
    public static final String PREFIX = "snnb";
    /** The most hosts one /24 gives addresses to (x.11 .. x.210). */
    public static final int MAX_HOSTS = 200;

    private static final Pattern OURS = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-(sw|drv|h\\d+)");

    private final String prefix;
    private final int hosts;
    private final double gbit;

    /**
     * @param pid   the id that makes the names unique (the bench's process id)
     * @param hosts number of host namespaces, 1 .. {@value #MAX_HOSTS}
     * @param gbit  every link's rate each way, Gbit/s (at least 0.001: tc's rates are given in kbit/s here)
     */
    public NamespacePlan(long pid, int hosts, double gbit) {
        if (hosts < 1 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("hosts must be in [1, " + MAX_HOSTS + "], got " + hosts);
        }
        if (!(gbit >= 0.001) || Double.isInfinite(gbit)) {
            throw new IllegalArgumentException("the link rate must be at least 0.001 Gbit/s, got " + gbit);
        }
        this.prefix = PREFIX + pid + "-";
        this.hosts = hosts;
        this.gbit = gbit;
    }

    public int hosts() {
        return hosts;
    }

    public double gbit() {
        return gbit;
    }

    public String switchNs() {
        return prefix + "sw";
    }

    public String driverNs() {
        return prefix + "drv";
    }

    /** Host {@code i}'s namespace, {@code i} in 1 .. hosts. */
    public String hostNs(int i) {
        return prefix + "h" + check(i);
    }

    public String driverAddress() {
        return SUBNET + ".1";
    }

    public String hostAddress(int i) {
        return SUBNET + "." + (10 + check(i));
    }

    /** The bridge port (in the switch namespace) of the driver's link. */
    public String driverPort() {
        return "pdrv";
    }

    /** The bridge port (in the switch namespace) of host {@code i}'s link. */
    public String hostPort(int i) {
        return "p" + check(i);
    }

    /** Every namespace of the plan, switch first: the order they are created in. */
    public List<String> namespaces() {
        List<String> ns = new ArrayList<>();
        ns.add(switchNs());
        ns.add(driverNs());
        for (int i = 1; i <= hosts; i++) {
            ns.add(hostNs(i));
        }
        return ns;
    }

    /** The rate as tc writes it: kbit/s, exact for any rate in steps of 1 kbit/s. */
    public String tcRate() {
        return Math.round(gbit * 1e6) + "kbit";
    }

    /**
     * The setup commands in order. Each namespace is added by its own command, so after a failure the namespaces that
     * exist are exactly those whose {@code ip netns add} ran; {@link #teardown()} deletes those.
     */
    public List<List<String>> setup() {
        List<List<String>> c = new ArrayList<>();
        for (String ns : namespaces()) {
            c.add(List.of("ip", "netns", "add", ns));
        }
        String sw = switchNs();
        c.add(List.of("ip", "-n", sw, "link", "set", "lo", "up"));
        c.add(List.of("ip", "-n", sw, "link", "add", "br0", "type", "bridge"));
        c.add(List.of("ip", "-n", sw, "link", "set", "br0", "up"));
        link(c, driverNs(), driverPort(), driverAddress());
        for (int i = 1; i <= hosts; i++) {
            link(c, hostNs(i), hostPort(i), hostAddress(i));
        }
        return c;
    }

    private void link(List<List<String>> c, String ns, String port, String address) {
        String sw = switchNs();
        c.add(List.of("ip", "-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns));
        c.add(List.of("ip", "-n", sw, "link", "set", port, "master", "br0"));
        c.add(List.of("ip", "-n", sw, "link", "set", port, "up"));
        c.add(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
        c.add(List.of("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0"));
        c.add(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
        shape(c, ns, "eth0");   // what the endpoint sends
        shape(c, sw, port);     // what it receives
    }

    private void shape(List<List<String>> c, String ns, String dev) {
        String rate = tcRate();
        c.add(List.of("tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "10"));
        // quantum: HTB's default (rate / r2q) exceeds its limit at Gbit rates and it warns; one jumbo segment is plenty.
        c.add(List.of("tc", "-n", ns, "class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb", "rate", rate,
                "ceil", rate, "quantum", "65536"));
    }

    /** Teardown: one {@code ip netns del} per namespace of the plan, hosts first, the switch last. */
    public List<List<String>> teardown() {
        List<String> ns = new ArrayList<>(namespaces());
        java.util.Collections.reverse(ns);
        List<List<String>> c = new ArrayList<>();
        for (String n : ns) {
            c.add(List.of("ip", "netns", "del", n));
        }
        return c;
    }

    /** The command that prints every bridge port's counters: {@code name rx_bytes tx_bytes} per line. */
    public List<String> portCountersCommand() {
        return List.of("ip", "netns", "exec", switchNs(), "sh", "-c",
                "cd /sys/class/net && for d in *; do echo \"$d $(cat $d/statistics/rx_bytes) $(cat $d/statistics/tx_bytes)\"; done");
    }

    /**
     * Namespaces left by an earlier run of this bench whose process no longer runs (killed before it could clean
     * up): names of the form {@code snnb<pid>-sw|drv|h<i>} with {@code alive.test(pid)} false. Others' namespaces
     * and those of a bench still running are never listed.
     */
    public static List<String> stale(List<String> existing, LongPredicate alive) {
        List<String> out = new ArrayList<>();
        for (String n : existing) {
            Matcher m = OURS.matcher(n.trim());
            if (m.matches()) {
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!alive.test(pid)) {
                    out.add(n.trim());
                }
            }
        }
        return out;
    }

    /** A command as one shell-like line, for logs and error messages. */
    public static String line(List<String> command) {
        return String.join(" ", command);
    }

    private int check(int i) {
        if (i < 1 || i > hosts) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "host %d outside [1, %d]", i, hosts));
        }
        return i;
    }
}
