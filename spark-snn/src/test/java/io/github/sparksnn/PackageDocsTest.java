package io.github.sparksnn;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds the README's "each package has a {@code package-info.java}" and what the package docs say a package may
 * import. Every package under {@code src/main/java} of every module the root {@code pom.xml} lists (a new module is
 * covered as soon as it is listed) must have a {@code package-info.java}; and each core package's dependencies on
 * this project's other packages must stay within what its {@code package-info.java} states.
 */
class PackageDocsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The modules the root pom lists, in order. */
    static List<String> modules() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher m = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>").matcher(pom);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The packages (dotted names) under {@code sourceRoot} that hold Java files but no {@code package-info.java}. */
    static List<String> packagesWithoutInfo(Path sourceRoot) {
        List<String> missing = new ArrayList<>();
        for (Path dir : packageDirs(sourceRoot)) {
            if (!Files.isRegularFile(dir.resolve("package-info.java"))) {
                missing.add(sourceRoot.relativize(dir).toString().replace(dir.getFileSystem().getSeparator(), "."));
            }
        }
        return missing;
    }

    /** Directories under {@code sourceRoot} that hold at least one Java file besides {@code package-info.java}. */
    static List<Path> packageDirs(Path sourceRoot) {
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            return new ArrayList<>(files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                    .map(Path::getParent)
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyPackageOfEveryModuleHasAPackageInfo() throws IOException {
        List<String> modules = modules();
        assertTrue(modules.containsAll(List.of("spark-snn", "gpu", "examples")), "modules read from the pom: " + modules);
        List<String> missing = new ArrayList<>();
        int packages = 0;
        for (String module : modules) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), src + " exists");
            packages += packageDirs(src).size();
            for (String p : packagesWithoutInfo(src)) {
                missing.add(module + ": " + p);
            }
        }
        // The walk found the packages (spark-snn alone has more than a dozen), so an empty list means something.
        assertTrue(packages >= 14, "packages found: " + packages);
        assertEquals(List.of(), missing, "packages without a package-info.java (say what each holds and why)");
    }

    @Test
    void theWalkReportsAPackageWithoutOne(@TempDir Path tmp) throws IOException {
        Path documented = Files.createDirectories(tmp.resolve("a/documented"));
        Files.writeString(documented.resolve("package-info.java"), "package a.documented;");
        Files.writeString(documented.resolve("X.java"), "package a.documented; class X {}");
        Path bare = Files.createDirectories(tmp.resolve("a/bare"));
        Files.writeString(bare.resolve("Y.java"), "package a.bare; class Y {}");
        Files.createDirectories(tmp.resolve("a/empty"));

        assertEquals(List.of("a.bare"), packagesWithoutInfo(tmp));
    }

    /**
     * What each core package's {@code package-info.java} says it may import from this project (besides itself);
     * a listed package includes its sub-packages only where it ends in {@code ..}.
     */
    static final Map<String, List<String>> MAY_IMPORT = new LinkedHashMap<>();

    static {
        String p = "io.github.sparksnn.";
        MAY_IMPORT.put(p + "backend", List.of(p + "surrogate.."));
        MAY_IMPORT.put(p + "layer", List.of(p + "backend.."));
        MAY_IMPORT.put(p + "neuron", List.of(p + "layer..", p + "backend..", p + "surrogate.."));
        MAY_IMPORT.put(p + "model", List.of(p + "neuron..", p + "layer..", p + "backend..", p + "surrogate.."));
        MAY_IMPORT.put(p + "train.optim", List.of());
        MAY_IMPORT.put(p + "train", List.of(p + "train.optim..", p + "model..", p + "layer..", p + "backend..",
                p + "surrogate.."));
        MAY_IMPORT.put(p + "data", List.of());
        MAY_IMPORT.put(p + "stream", List.of(p + "model..", p + "neuron..", p + "layer..", p + "backend.."));
        MAY_IMPORT.put(p + "ml.train", List.of(p + "ml.train..", p + "train..", p + "backend.."));
        MAY_IMPORT.put(p + "ml.train.plan", List.of());
        MAY_IMPORT.put(p + "ml.train.sum", List.of());
        MAY_IMPORT.put(p + "ml.train.engine", List.of(p + "ml.train.plan", p + "train", p + "backend.."));
        MAY_IMPORT.put(p + "ml.train.state", List.of(p + "train.optim"));
        MAY_IMPORT.put(p + "ml.train.net", List.of(p + "ml.train.sum"));
    }

    static ArchRule importsOnlyWhatItsDocSays(String pkg, List<String> allowed) {
        List<String> own = new ArrayList<>(allowed);
        own.add(pkg);
        DescribedPredicate<JavaClass> elsewhereInProject = resideInAPackage("io.github.sparksnn..")
                .and(DescribedPredicate.not(resideInAnyPackage(own.toArray(String[]::new))));
        return noClasses().that().resideInAPackage(pkg)
                .should().dependOnClassesThat(elsewhereInProject)
                .because(pkg + "'s package-info.java says it imports only " + allowed)
                .allowEmptyShould(false);
    }

    @Test
    void eachCorePackageImportsOnlyWhatItsDocSays() {
        for (Map.Entry<String, List<String>> e : MAY_IMPORT.entrySet()) {
            importsOnlyWhatItsDocSays(e.getKey(), e.getValue()).check(ArchitectureTest.MAIN);
        }
    }

    @Test
    void theImportRuleCatchesAnUndeclaredImport() {
        // The layer package uses backend; a rule that allows it nothing must fail on the real classes.
        assertFalse(MAY_IMPORT.get("io.github.sparksnn.layer").isEmpty());
        JavaClasses main = ArchitectureTest.MAIN;
        assertThrows(AssertionError.class, () -> importsOnlyWhatItsDocSays("io.github.sparksnn.layer", List.of())
                .check(main));
    }

    @Test
    void theImportRuleMatchesTheDocs() throws IOException {
        // Every package the map names has a package-info.java that names each package it may import.
        Path src = ROOT.resolve("spark-snn/src/main/java");
        for (Map.Entry<String, List<String>> e : MAY_IMPORT.entrySet()) {
            String doc = Files.readString(src.resolve(e.getKey().replace('.', '/')).resolve("package-info.java"));
            for (String allowed : e.getValue()) {
                String name = allowed.replace("io.github.sparksnn.", "").replace("..", "");
                if (!name.equals(e.getKey().replace("io.github.sparksnn.", ""))) {
                    assertTrue(doc.contains("{@code " + name + "}"),
                            e.getKey() + "'s package-info.java names {@code " + name + "} among its imports");
                }
            }
        }
    }
}
