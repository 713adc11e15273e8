package io.github.sparksnn;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The neural core stays free of Spark: classes in {@code io.github.sparksnn..} outside {@code io.github.sparksnn.ml..}
 * must not depend on {@code org.apache.spark..} or {@code scala..}, so the core runs (and is tested) without a
 * Spark runtime and the Spark layer is the only place that touches Spark API.
 */
class ArchitectureTest {
    /**
     * The module's main classes, imported from their output folder ({@code target/classes}) rather than by package
     * scan: a package scan walks every jar of the (Spark-sized) test classpath and takes half a minute.
     */
    static {
        // Dependencies are judged by class name; loading Spark's and Scala's class files from the classpath to
        // resolve them fully would only cost time.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    }

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(mainClassesFolder());

    static Path mainClassesFolder() {
        return classesFolder(SurrogateFunction.class);
    }

    static Path classesFolder(Class<?> c) {
        try {
            Path p = Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(p.resolve("io/github/sparksnn"))) {
                throw new IllegalStateException("classes of " + c.getName() + " not found under " + p);
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final ArchRule CORE_IS_SPARK_FREE = noClasses()
            .that().resideInAPackage("io.github.sparksnn..")
            .and().resideOutsideOfPackage("io.github.sparksnn.ml..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "scala..")
            .because("the neural core must run without Spark; only io.github.sparksnn.ml.. may use Spark/Scala")
            .allowEmptyShould(false);

    @Test
    void coreDoesNotDependOnSparkOrScala() {
        org.junit.jupiter.api.Assertions.assertTrue(MAIN.contain(SurrogateFunction.class), "the import found the core");
        CORE_IS_SPARK_FREE.check(MAIN);
    }

    @Test
    void theRuleCatchesAViolation() {
        Path file = classesFolder(SparkUsingCoreClass.class)
                .resolve(SparkUsingCoreClass.class.getName().replace('.', '/') + ".class");
        JavaClasses offender = new ClassFileImporter().importPath(file);
        org.junit.jupiter.api.Assertions.assertTrue(offender.contain(SparkUsingCoreClass.class));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> CORE_IS_SPARK_FREE.check(offender));
    }

    /** A test-only class in the core's package tree that uses a Scala type, to prove the rule can fail. */
    static final class SparkUsingCoreClass {
        scala.Option<String> field = scala.Option.empty();
    }
}
