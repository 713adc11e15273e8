package io.github.sparksnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No main source file is over {@value #MAX_LINES} lines without a comment at its top saying why it stays one file.
 * Every {@code .java} file under {@code src/main/java} of every module the root {@code pom.xml} lists is walked;
 * one over the limit must carry the marker {@value #MARKER} in a comment line before its first type declaration
 * (in the class javadoc or a comment above it), followed on the same line by the reason, e.g.
 * <pre>
 *  * Why one file: the wire protocol's frames, handshake and state machine are one conversation; split, each part
 *  * would need the others' private state.
 * </pre>
 * Nothing is skipped silently: the only exceptions are the files named in {@link #PENDING}, each with who adds its
 * marker, and the test fails as soon as one of them has its marker or is back under the limit (remove it then).
 */
class LongFilesTest {
    /** The most lines a main source file may have without saying why it is one file. */
    static final int MAX_LINES = 700;
    /** The marker, at the start of a comment line ({@code //}, {@code *} or {@code /*}), then the reason. */
    static final String MARKER = "Why one file:";
    /** A comment line carrying the marker and at least a few words of reason after it. */
    private static final Pattern MARKED = Pattern.compile("^\\s*(?://+|/?\\*+)\\s*" + Pattern.quote(MARKER)
            + "\\s*\\S.{9,}");
    /** The first top-level type declaration: the end of the file's "top". */
    private static final Pattern TYPE = Pattern.compile(
            "^(?:(?:public|final|abstract|sealed|non-sealed|strictfp)\\s+)*(?:class|interface|enum|record|@interface)\\s");

    /**
     * Files over the limit still without their marker because another owner adds it (relative to the repository
     * root). Listed here, visibly, rather than skipped by a pattern; the test fails once an entry is stale.
     */
    static final Set<String> PENDING = Set.of();

    /** The main Java files of every module, relative to the repository root. */
    static List<Path> mainFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String module : PackageDocsTest.modules()) {
            Path src = PackageDocsTest.ROOT.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), src + " exists");
            try (Stream<Path> files = Files.walk(src)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
            }
        }
        return out;
    }

    /** The files among {@code files} over {@link #MAX_LINES} lines without the marker at their top, as given. */
    static List<Path> unexplained(List<Path> files) {
        List<Path> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (lines.size() > MAX_LINES && !markedAtTop(lines)) {
                out.add(f);
            }
        }
        return out;
    }

    /** Whether a marker line comes before the first top-level type declaration. */
    static boolean markedAtTop(List<String> lines) {
        for (String line : lines) {
            if (TYPE.matcher(line).find()) {
                return false;
            }
            if (MARKED.matcher(line).find()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyMainFileOverTheLimitSaysWhyItIsOneFile() throws IOException {
        List<Path> files = mainFiles();
        // the walk found the code (the core alone has well over a hundred files), so an empty answer means something
        assertTrue(files.size() > 100, "main files found: " + files.size());
        Set<String> unexplained = new TreeSet<>();
        for (Path f : unexplained(files)) {
            unexplained.add(PackageDocsTest.ROOT.relativize(f).toString().replace('\\', '/'));
        }
        Set<String> stale = new TreeSet<>(PENDING);
        stale.removeAll(unexplained);
        assertEquals(Set.of(), stale, "PENDING files that have their marker now or are under " + MAX_LINES
                + " lines: remove them from LongFilesTest.PENDING");
        unexplained.removeAll(PENDING);
        assertEquals(Set.of(), unexplained, "main files over " + MAX_LINES + " lines: split by concern, or add a"
                + " comment line '" + MARKER + " <reason>' at the top (before the class)");
        if (!PENDING.isEmpty()) {
            System.err.println("LongFilesTest: over " + MAX_LINES + " lines, marker pending (see PENDING): " + PENDING);
        }
    }

    @Test
    void theCheckCatchesALongFileWithoutItsReason(@TempDir Path tmp) throws IOException {
        String body = "    int x;\n".repeat(MAX_LINES);
        Path bare = write(tmp, "Bare.java", "package a;\n\nclass Bare {\n" + body + "}\n");
        Path marked = write(tmp, "Marked.java", "package a;\n\n/**\n * Holds a thing.\n *\n * <p>" + "\n * "
                + MARKER + " the loops share one state machine.\n */\npublic final class Marked {\n" + body + "}\n");
        Path lineComment = write(tmp, "LineComment.java", "package a;\n\n// " + MARKER
                + " the generated tables must stay together.\nclass LineComment {\n" + body + "}\n");
        Path tooLate = write(tmp, "TooLate.java", "package a;\n\nclass TooLate {\n    // " + MARKER
                + " said inside the class, not at its top.\n" + body + "}\n");
        Path noReason = write(tmp, "NoReason.java", "package a;\n\n/** " + MARKER + " */\nclass NoReason {\n" + body
                + "}\n");
        Path inCode = write(tmp, "InCode.java", "package a;\n\nString s = \"" + MARKER
                + " not a comment at all\";\nclass InCode {\n" + body + "}\n");
        Path shortOne = write(tmp, "Short.java", "package a;\nclass Short {\n" + "    int x;\n".repeat(MAX_LINES - 3)
                + "}\n");
        assertEquals(MAX_LINES, Files.readAllLines(shortOne).size());
        assertEquals(List.of(bare, tooLate, noReason, inCode),
                unexplained(List.of(bare, marked, lineComment, tooLate, noReason, inCode, shortOne)));
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
