package dev.iris.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The Spark jobs are host code: they know no model family (plugins are found by ServiceLoader on
 * the executors), run no ONNX Runtime themselves, and use neither the CLI nor the server.
 */
class SparkLayersTest {
    @Test
    void theJobsUseOnlyTheHostTrainingAndSpark() {
        JavaClasses jobs = new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests()).importPackages("dev.iris.spark");
        assertThat(jobs.contain(FeaturesJob.class)).isTrue();
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.iris.vision..", "dev.iris.llm..", "dev.iris.fusion..",
                "dev.iris.common..", "dev.iris.datasets..", "ai.onnxruntime..", "dev.iris.cli..", "dev.iris.server..", "dev.iris.evaluation..")
                .check(jobs);
    }
}
