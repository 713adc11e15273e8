package io.github.sparksnn;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.github.sparksnn.ml.train.sum.FlowRuleOffender;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The neural core stays free of Spark: classes in {@code io.github.sparksnn..} outside {@code io.github.sparksnn.ml..}
 * must not depend on {@code org.apache.spark..} or {@code scala..}, so the core runs (and is tested) without a
 * Spark runtime and the Spark layer is the only place that touches Spark API. Inside the Spark layer, the data flows
 * one way through {@code ml.train}'s sub-packages: each imports only the ones its entry in {@link #ML_TRAIN_FLOW}
 * lists, never {@code ml.train} itself above them, and the sub-packages form no cycle.
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

    static final String ML_TRAIN = "io.github.sparksnn.ml.train";

    /**
     * Each sub-package of {@code ml.train}, top of the flow first, and the sibling sub-packages it may import (its
     * {@code package-info.java} says why). {@code ml.train} itself, the trainer and its two loops, imports them all.
     */
    static final Map<String, List<String>> ML_TRAIN_FLOW = new LinkedHashMap<>();

    static {
        ML_TRAIN_FLOW.put("net", List.of("sum"));
        ML_TRAIN_FLOW.put("engine", List.of("plan"));
        ML_TRAIN_FLOW.put("state", List.of());
        ML_TRAIN_FLOW.put("sum", List.of());
        ML_TRAIN_FLOW.put("plan", List.of());
    }

    /** No class of {@code ml.train.<sub>} depends on {@code ml.train} or a sub-package other than {@code allowed}. */
    static ArchRule mlTrainSubPackageImportsOnly(String sub, List<String> allowed) {
        List<String> own = new ArrayList<>();
        own.add(ML_TRAIN + "." + sub + "..");
        for (String a : allowed) {
            own.add(ML_TRAIN + "." + a + "..");
        }
        DescribedPredicate<JavaClass> upOrAside = resideInAPackage(ML_TRAIN + "..")
                .and(DescribedPredicate.not(resideInAnyPackage(own.toArray(String[]::new))));
        return noClasses().that().resideInAPackage(ML_TRAIN + "." + sub + "..")
                .should().dependOnClassesThat(upOrAside)
                .because("data flows down ml.train's sub-packages: " + sub + " may import only " + allowed)
                .allowEmptyShould(false);
    }

    static final ArchRule ML_TRAIN_SUB_PACKAGES_ARE_ACYCLIC = slices().matching(ML_TRAIN + ".(*)..")
            .should().beFreeOfCycles();

    @Test
    void mlTrainSubPackagesImportOnlyDownTheFlow() {
        for (Map.Entry<String, List<String>> e : ML_TRAIN_FLOW.entrySet()) {
            mlTrainSubPackageImportsOnly(e.getKey(), e.getValue()).check(MAIN);
        }
        ML_TRAIN_SUB_PACKAGES_ARE_ACYCLIC.check(MAIN);
    }

    @Test
    void theFlowRuleCatchesAnUpwardOrSidewaysImport() {
        // net uses sum's OrderedSum, so a rule that allows net nothing must fail on the real classes; and a class of
        // a sub-package that uses ml.train itself must fail its sub-package's rule.
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> mlTrainSubPackageImportsOnly("net", List.of()).check(MAIN));
        Path file = classesFolder(FlowRuleOffender.class)
                .resolve(FlowRuleOffender.class.getName().replace('.', '/') + ".class");
        JavaClasses offender = new ClassFileImporter().importPath(file);
        org.junit.jupiter.api.Assertions.assertTrue(offender.contain(FlowRuleOffender.class));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> mlTrainSubPackageImportsOnly("sum", List.of()).check(offender));
    }

    /** A test-only class in the core's package tree that uses a Scala type, to prove the rule can fail. */
    static final class SparkUsingCoreClass {
        scala.Option<String> field = scala.Option.empty();
    }
}
