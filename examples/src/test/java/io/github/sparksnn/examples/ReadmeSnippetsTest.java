package io.github.sparksnn.examples;

import io.github.sparksnn.cli.SnnCli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's code, as a reader would use it (the Params table has {@link ReadmeParamsTest}):
 * <ul>
 *   <li>every Java block compiles against the project's classes as shown: its imports, then a method body;
 *       the ones that need no Spark session also run;</li>
 *   <li>every {@code bin/snn} command it shows, in code blocks and in the text, names commands and options that
 *       exist ({@code cluster} and {@code submit} against {@code bin/snn} itself, a {@code spark-submit} of the
 *       application jar against {@code snn train});</li>
 *   <li>the quick commands of "The command line" (surrogate and model tools) run and exit with 0, and the SQL
 *       blocks run;</li>
 *   <li>the files and build properties it tells a reader to use exist.</li>
 * </ul>
 */
class ReadmeSnippetsTest {
    static final Path ROOT = ClusterSubmitTest.ROOT;

    record Block(String lang, String text, int line) {
    }

    static List<Block> blocks(String readme) {
        List<Block> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```").matcher(readme);
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2), readme.substring(0, m.start()).split("\n", -1).length));
        }
        return out;
    }

    static String readme() throws Exception {
        return Files.readString(ROOT.resolve("README.md"));
    }

    // ---------------------------------------------------------------- Java blocks

    @Test
    void everyJavaBlockCompilesAsShownAndTheSparkFreeOnesRun() throws Exception {
        List<Block> java = blocks(readme()).stream().filter(b -> b.lang().equals("java")).toList();
        assertTrue(java.size() >= 3, "Java blocks in the README: " + java.size());
        List<JavaFileObject> sources = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < java.size(); i++) {
            Block b = java.get(i);
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : b.text().split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            assertTrue(imports.length() > 0, "the Java block at README line " + b.line() + " names its imports");
            String name = "ReadmeJavaBlockAtLine" + b.line();
            names.add(name);
            String src = imports + "\npublic class " + name + " {\n    public static void run() throws Exception {\n"
                    + body + "    }\n}\n";
            sources.add(new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return src;
                }
            });
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK runs the tests");
        Path out = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "readme-java");
        List<String> cp = ClusterSubmitTest.testClassPath();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, null, diagnostics, List.of("-proc:none", "-d", out.toString(), "-cp",
                String.join(File.pathSeparator, cp)), null, sources).call();
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.append(d.getSource() == null ? "" : d.getSource().getName()).append(':')
                        .append(d.getLineNumber() - 2).append(" (line of the block, after its imports): ")
                        .append(d.getMessage(null)).append('\n');
            }
        }
        assertTrue(ok && errors.length() == 0, "README Java blocks that do not compile:\n" + errors + log);

        int ran = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{out.toUri().toURL()}, getClass().getClassLoader())) {
            for (int i = 0; i < java.size(); i++) {
                if (!java.get(i).text().contains("SparkSession")) {
                    loader.loadClass(names.get(i)).getMethod("run").invoke(null);
                    ran++;
                }
            }
        }
        assertTrue(ran >= 1, "the surrogate block runs");
    }

    // ---------------------------------------------------------------- bin/snn commands

    /** The commands of code blocks (continuation lines joined) and of `inline code` in the text, after bin/snn. */
    static List<String> snnCommands(String readme) {
        List<String> out = new ArrayList<>();
        for (Block b : blocks(readme)) {
            if (!b.lang().isEmpty() && !b.lang().equals("bash")) {
                continue;
            }
            for (String line : b.text().replace("\\\n", " ").split("\n")) {
                int at = line.indexOf("bin/snn ");
                if (at >= 0) {
                    out.add(line.substring(at + "bin/snn ".length()));
                } else if (line.matches("\\s*bin/snn\\s*")) {
                    out.add("");
                }
            }
        }
        Matcher inline = Pattern.compile("`(?:sudo )?bin/snn ([^`]+)`").matcher(readme.replaceAll("(?ms)^```.*?^```", ""));
        while (inline.find()) {
            out.add(inline.group(1).replaceAll("\\s+", " "));
        }
        return out;
    }

    /** Shell-like words: quotes group (and are removed), a '#' outside quotes starts a comment. */
    static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                cur = cur == null ? new StringBuilder() : cur;
            } else if (Character.isWhitespace(c)) {
                if (cur != null) {
                    w.add(cur.toString());
                    cur = null;
                }
            } else if (c == '#' && cur == null) {
                break;
            } else {
                cur = cur == null ? new StringBuilder() : cur;
                cur.append(c);
            }
        }
        if (cur != null) {
            w.add(cur.toString());
        }
        return w;
    }

    static final Set<String> BASH_COMMANDS = Set.of("cluster", "submit");

    /** One command and the options it names; {@code path} from the root, as far as it resolved. */
    record Use(List<String> path, List<String> options, String source) {
    }

    /** Splits a documented line into its uses ("bench train | bench spark", "cluster start ... | status | stop"). */
    static List<Use> uses(String command, CommandLine root) {
        List<List<String>> segments = new ArrayList<>();
        List<String> seg = new ArrayList<>();
        for (String w : words(command)) {
            if (w.equals("|")) {
                segments.add(seg);
                seg = new ArrayList<>();
            } else {
                seg.add(w);
            }
        }
        segments.add(seg);
        List<Use> out = new ArrayList<>();
        List<String> previous = List.of();
        for (List<String> words : segments) {
            List<String> path = new ArrayList<>();
            int i = 0;
            if (!words.isEmpty() && !isRootCommand(words.get(0), root) && previous.size() >= 2) {
                path.addAll(previous.subList(0, previous.size() - 1)); // a sibling: "| status | stop"
            } else if (!words.isEmpty() && !isRootCommand(words.get(0), root) && !out.isEmpty()) {
                continue; // a value's alternative
            }
            while (i < words.size() && isSubcommand(path, words.get(i), root)) {
                path.add(words.get(i++));
            }
            List<String> options = new ArrayList<>();
            boolean afterDashes = false;
            for (; i < words.size(); i++) {
                String w = words.get(i).replaceAll("^\\[+", "");
                if (path.equals(List.of("submit")) && w.equals("--")) {
                    afterDashes = true;
                    continue;
                }
                if (path.equals(List.of("submit")) && !afterDashes) {
                    continue; // spark-submit's own options
                }
                Matcher m = Pattern.compile("^(--?[A-Za-z][\\w-]*)").matcher(w);
                if (m.find()) {
                    options.add(m.group(1));
                } else if (i == path.size() && !path.isEmpty() && hasSubcommands(path, root)) {
                    options.add("<subcommand " + w + ">"); // a group followed by a word that is none of its commands
                }
            }
            if (path.equals(List.of("submit"))) {
                path = List.of("train"); // what follows -- is snn train's
            }
            out.add(new Use(path, options, command));
            previous = path;
        }
        return out;
    }

    static boolean isRootCommand(String w, CommandLine root) {
        return root.getSubcommands().containsKey(w) && !w.equals("help");
    }

    static boolean isSubcommand(List<String> path, String w, CommandLine root) {
        if (!path.isEmpty() && path.get(0).equals("cluster")) {
            return path.size() == 1 && Set.of("start", "status", "stop").contains(w);
        }
        CommandLine c = command(path, root);
        return c != null && c.getSubcommands().containsKey(w) && !w.equals("help");
    }

    static boolean hasSubcommands(List<String> path, CommandLine root) {
        if (path.equals(List.of("cluster"))) {
            return true;
        }
        CommandLine c = command(path, root);
        return c != null && c.getSubcommands().keySet().stream().anyMatch(k -> !k.equals("help"));
    }

    static CommandLine command(List<String> path, CommandLine root) {
        CommandLine c = root;
        for (String p : path) {
            c = c.getSubcommands().get(p);
            if (c == null) {
                return null;
            }
        }
        return c;
    }

    @Test
    void everyDocumentedCommandAndOptionExists() throws Exception {
        String readme = readme();
        String script = Files.readString(ROOT.resolve("bin/snn"));
        CommandLine root = SnnCli.newCommandLine();
        List<String> commands = snnCommands(readme);
        // spark-submit of the application jar: what follows the jar is snn train's.
        Matcher submit = Pattern.compile("-all\\.jar((?: --[\\w-]+(?: [^-\\s\\\\][^\\s\\\\]*)?)+)").matcher(
                readme.replace("\\\n", " "));
        while (submit.find()) {
            commands.add("train" + submit.group(1));
        }
        List<String> problems = new ArrayList<>();
        Set<String> checked = new LinkedHashSet<>();
        for (String command : commands) {
            for (Use u : uses(command, root)) {
                String name = ("bin/snn " + String.join(" ", u.path())).strip();
                for (String opt : u.options()) {
                    boolean ok;
                    if (opt.startsWith("<subcommand")) {
                        ok = false;
                    } else if (!u.path().isEmpty() && u.path().get(0).equals("cluster")) {
                        ok = opt.equals("-h") || script.contains(opt + ")") || script.contains(opt + "|");
                    } else {
                        CommandLine c = command(u.path(), root);
                        ok = c != null && c.getCommandSpec().findOption(opt) != null;
                    }
                    checked.add(name + " " + opt);
                    if (!ok) {
                        problems.add(name + ": " + opt + " (README: bin/snn " + u.source() + ")");
                    }
                }
                checked.add(name);
            }
        }
        assertTrue(problems.isEmpty(), "README names commands or options that do not exist:\n"
                + String.join("\n", problems));
        assertTrue(checked.size() >= 60, "commands and options checked: " + checked);
        for (String expected : List.of("bin/snn cluster start --workers", "bin/snn train --limit-train",
                "bin/snn surrogate cuda --dtype", "bin/snn bench scale --compute", "bin/snn --version",
                "bin/snn bench neuron-pool", "bin/snn train --partitions")) {
            assertTrue(checked.contains(expected), "checked " + expected + ": " + checked);
        }
    }

    @Test
    void theCheckCatchesAMissingOptionOrCommand() {
        CommandLine root = SnnCli.newCommandLine();
        List<Use> u = uses("surrogate table --function atan --no-such-flag 3", root);
        assertEquals(List.of("surrogate", "table"), u.get(0).path());
        assertTrue(u.get(0).options().contains("--no-such-flag"));
        assertEquals(null, command(u.get(0).path(), root).getCommandSpec().findOption("--no-such-flag"));
        u = uses("bench no-such-bench --x 1", root);
        assertTrue(u.get(0).options().contains("<subcommand no-such-bench>"), u.toString());
        u = uses("cluster start [--workers 2] | status | stop", root);
        assertEquals(List.of(List.of("cluster", "start"), List.of("cluster", "status"), List.of("cluster", "stop")),
                u.stream().map(Use::path).toList());
    }

    /** The quick commands of the command-line overview and the Formula section run as shown, exit code 0. */
    @Test
    void theQuickDocumentedCommandsRun() throws Exception {
        Path tmp = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "readme-cli");
        int ran = 0;
        for (String command : snnCommands(readme())) {
            List<String> w = words(command.replaceAll("\\[[^\\[\\]]*\\]", ""));
            if (w.size() < 2 || !(w.get(0).equals("surrogate") || w.subList(0, 2).equals(List.of("model", "check-grad")))
                    || w.contains("|")) {
                continue;
            }
            List<String> args = new ArrayList<>(w);
            for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i).equals("--output")) {
                    args.set(i + 1, tmp.resolve(Path.of(args.get(i + 1)).getFileName()).toString());
                }
            }
            CommandLine cli = SnnCli.newCommandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args.toArray(new String[0]));
            if (code != 0) {
                fail("README: bin/snn " + command + "\nexit " + code + "\n" + err);
            }
            ran++;
        }
        assertTrue(ran >= 7, "quick commands run: " + ran);
    }

    /** The SQL blocks run, statement by statement, after {@code SnnFunctions.register(spark)}. */
    @Test
    void theSqlBlocksRun() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null,
                "no Fashion-MNIST here");
        List<Block> sql = blocks(readme()).stream().filter(b -> b.lang().equals("sql")).toList();
        assertTrue(!sql.isEmpty(), "SQL blocks in the README");
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .appName("ReadmeSnippetsTest").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            io.github.sparksnn.ml.SnnFunctions.register(spark);
            int rows = 0;
            for (Block b : sql) {
                for (String statement : b.text().split(";\\s*(\\n|$)")) {
                    if (!statement.isBlank()) {
                        rows += spark.sql(statement).collectAsList().size();
                    }
                }
            }
            assertEquals(5, rows, "the SELECT's LIMIT 5 rows");
        } finally {
            spark.stop();
            org.apache.spark.sql.SparkSession.clearActiveSession();
            org.apache.spark.sql.SparkSession.clearDefaultSession();
        }
    }

    /** What the README tells a reader to use to build against the project. */
    @Test
    void theBuildFilesTheReadmeNamesExist() throws Exception {
        String readme = readme();
        String script = Files.readString(ROOT.resolve("bin/snn"));
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(readme.contains("examples/target/snn-classpath.txt") && script.contains("snn-classpath.txt"),
                "bin/snn writes the classpath file the README names");
        Matcher opens = Pattern.compile("<spark\\.jvm\\.opens>(.*)</spark\\.jvm\\.opens>").matcher(pom);
        assertTrue(readme.contains("spark.jvm.opens") && opens.find(), "the pom property the README names");
        assertTrue(opens.group(1).contains("--add-modules=jdk.incubator.vector"), opens.group(1));
        assertTrue(readme.contains("-Pdist") && Files.readString(ROOT.resolve("examples/pom.xml")).contains("<id>dist</id>"));
        var make = io.github.sparksnn.ml.TrainingSummary.class.getDeclaredConstructor(List.class, int.class, int.class,
                long.class);
        make.setAccessible(true);
        String csv = make.newInstance(List.of(), 0, 1, 0L).toCsv();
        for (String column : List.of("validation_accuracy")) {
            assertTrue(csv.startsWith("epoch,") && csv.lines().findFirst().orElse("").contains(column), csv);
            assertTrue(readme.contains("`" + column + "` in `metrics.csv`"), column);
        }
    }
}
