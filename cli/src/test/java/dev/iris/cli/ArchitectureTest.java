package dev.iris.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.iris.api.archfixture.ApiUsesGuice;
import dev.iris.common.text.archfixture.TextCommonUsesRuntime;
import dev.iris.common.vision.archfixture.VisionCommonUsesPlugin;
import dev.iris.fusion.archfixture.FusionUsesJackson;
import dev.iris.llm.archfixture.LlmUsesVisionPlugin;
import dev.iris.plugins.archfixture.PluginsNamesAPlugin;
import dev.iris.plugins.archfixture.PluginsUsesCli;
import dev.iris.plugins.archfixture.PluginsUsesServer;
import dev.iris.runtime.archfixture.RuntimeUsesOnnx;
import dev.iris.server.archfixture.ServerThing;
import dev.iris.vision.archfixture.VisionUsesCommon;
import dev.iris.vision.archfixture.VisionUsesOnnx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the README's module table ("Modules"), checked on the compiled main classes of
 * every module (cli's class path sees them all). The fixture classes under
 * {@code dev.iris.*.archfixture} in this module's test sources break each rule on purpose, to
 * show the rules are not vacuous.
 */
class ArchitectureTest {
    static final String API = "dev.iris.api..";
    static final String RUNTIME = "dev.iris.runtime..";
    static final String PLUGINS = "dev.iris.plugins..";
    static final String VISION = "dev.iris.vision..";
    static final String LLM = "dev.iris.llm..";
    static final String FUSION = "dev.iris.fusion..";
    static final String SERVER = "dev.iris.server..";
    static final String CLI = "dev.iris.cli..";
    // building blocks shared by model plugins (vision-common, text-common, nn-common)
    static final String VISION_COMMON = "dev.iris.common.vision..";
    static final String TEXT_COMMON = "dev.iris.common.text..";
    static final String NN_COMMON = "dev.iris.common.nn..";

    static final ArchRule ONLY_RUNTIME_USES_ONNX = noClasses()
            .that().resideOutsideOfPackage(RUNTIME)
            .should().dependOnClassesThat().resideInAnyPackage("ai.onnxruntime..", "ai.onnx..", "com.google.protobuf..")
            .because("only runtime-onnx may import ONNX Runtime, ONNX protos or protobuf")
            .allowEmptyShould(false);

    static final ArchRule API_IS_JDK_ONLY = classes()
            .that().resideInAPackage(API)
            .should().onlyDependOnClassesThat().resideInAnyPackage(API, "java..", "javax..")
            .because("api depends on the JDK only")
            .allowEmptyShould(false);

    // a plugin family may be absent from a build: empty is allowed, and the fixtures show the rules bite
    static final ArchRule VISION_USES_API_ONLY = pluginRule(VISION, VISION_COMMON, NN_COMMON);
    static final ArchRule LLM_USES_API_AND_DJL_ONLY = pluginRule(LLM, TEXT_COMMON, NN_COMMON, "ai.djl..");
    static final ArchRule FUSION_USES_API_ONLY = pluginRule(FUSION, NN_COMMON);

    // each common module: api, the JDK and its own libraries; never a plugin, the host or the runtime
    static final ArchRule VISION_COMMON_USES_API_ONLY = commonRule(VISION_COMMON);
    static final ArchRule TEXT_COMMON_USES_API_AND_DJL_ONLY = commonRule(TEXT_COMMON, "ai.djl..");
    static final ArchRule NN_COMMON_USES_API_ONLY = commonRule(NN_COMMON);

    static final ArchRule NOTHING_BUT_CLI_USES_CLI = noClasses()
            .that().resideOutsideOfPackage(CLI)
            .should().dependOnClassesThat().resideInAPackage(CLI)
            .because("cli is the top of the module graph")
            .allowEmptyShould(false);

    static final ArchRule PLUGINS_AND_BELOW_NEVER_USE_SERVER = noClasses()
            .that().resideInAnyPackage(API, RUNTIME, PLUGINS, VISION, LLM, FUSION, VISION_COMMON, TEXT_COMMON, NN_COMMON)
            .should().dependOnClassesThat().resideInAPackage(SERVER)
            .because("the server sits on top of plugins")
            .allowEmptyShould(false);

    static final ArchRule PLUGINS_ARE_FOUND_NOT_NAMED = noClasses()
            .that().resideOutsideOfPackages(VISION, LLM, FUSION)
            .should().dependOnClassesThat().resideInAnyPackage(VISION, LLM, FUSION)
            .because("the host finds plugins with ServiceLoader and never names a concrete plugin class")
            .allowEmptyShould(false);

    static JavaClasses main;

    static ArchRule pluginRule(String pkg, String... extra) {
        List<String> allowed = new ArrayList<>(List.of(pkg, API, "java..", "javax.."));
        allowed.addAll(List.of(extra));
        return classes()
                .that().resideInAPackage(pkg)
                .should().onlyDependOnClassesThat().resideInAnyPackage(allowed.toArray(String[]::new))
                .because("a model plugin depends on api, the common building blocks its kind shares and the JDK alone")
                .allowEmptyShould(true);
    }

    static ArchRule commonRule(String pkg, String... extra) {
        List<String> allowed = new ArrayList<>(List.of(pkg, API, "java..", "javax.."));
        allowed.addAll(List.of(extra));
        return classes()
                .that().resideInAPackage(pkg)
                .should().onlyDependOnClassesThat().resideInAnyPackage(allowed.toArray(String[]::new))
                .because("a common module is shared by plugins: it uses api and its own libraries, never a plugin")
                .allowEmptyShould(false);
    }

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .withImportOption(ModuleLayersTest.NO_TEST_JARS)
                .importPackages("dev.iris");
    }

    @Test
    void importSeesTheMainClassesOfTheModulesButNoTests() {
        assertThat(main.contain("dev.iris.api.spi.Provider")).isTrue();
        assertThat(main.contain("dev.iris.plugins.host.PluginRegistry")).isTrue();
        assertThat(main.contain(IrisCli.class)).isTrue();
        assertThat(main.stream().map(JavaClass::getName))
                .noneMatch(n -> n.contains(".archfixture.") || n.contains(".testplugin.") || n.endsWith("Test"));
    }

    @Test
    void everyClassLivesInAKnownModulePackage() {
        // a module with an unexpected package would slip past every rule below
        List<String> roots = List.of("dev.iris.api", "dev.iris.runtime", "dev.iris.plugins", "dev.iris.datasets",
                "dev.iris.training", "dev.iris.evaluation", "dev.iris.report", "dev.iris.vision", "dev.iris.llm",
                "dev.iris.fusion", "dev.iris.server", "dev.iris.vlm", "dev.iris.cli",
                "dev.iris.common.vision", "dev.iris.common.text", "dev.iris.common.nn");
        assertThat(main.stream().map(JavaClass::getPackageName))
                .allMatch(p -> roots.stream().anyMatch(r -> p.equals(r) || p.startsWith(r + ".")));
    }

    @Test
    void onlyRuntimeUsesOnnx() {
        ONLY_RUNTIME_USES_ONNX.check(main);
    }

    @Test
    void apiIsJdkOnly() {
        API_IS_JDK_ONLY.check(main);
    }

    @Test
    void modelPluginsUseApiOnly() {
        VISION_USES_API_ONLY.check(main);
        LLM_USES_API_AND_DJL_ONLY.check(main);
        FUSION_USES_API_ONLY.check(main);
    }

    @Test
    void commonModulesUseApiAndTheirLibrariesOnly() {
        VISION_COMMON_USES_API_ONLY.check(main);
        TEXT_COMMON_USES_API_AND_DJL_ONLY.check(main);
        NN_COMMON_USES_API_ONLY.check(main);
    }

    @Test
    void nothingButCliUsesCli() {
        NOTHING_BUT_CLI_USES_CLI.check(main);
    }

    @Test
    void pluginsAndBelowNeverUseServer() {
        PLUGINS_AND_BELOW_NEVER_USE_SERVER.check(main);
    }

    @Test
    void pluginsAreFoundNotNamed() {
        PLUGINS_ARE_FOUND_NOT_NAMED.check(main);
    }

    @Test
    void everyRuleCatchesItsFixture() {
        JavaClasses fixtures = new ClassFileImporter().importClasses(ApiUsesGuice.class, VisionUsesOnnx.class,
                LlmUsesVisionPlugin.class, FusionUsesJackson.class, PluginsUsesServer.class, PluginsUsesCli.class,
                RuntimeUsesOnnx.class, ServerThing.class, PluginsNamesAPlugin.class, VisionCommonUsesPlugin.class,
                TextCommonUsesRuntime.class, VisionUsesCommon.class);

        assertViolation(ONLY_RUNTIME_USES_ONNX, fixtures, VisionUsesOnnx.class);
        assertViolation(API_IS_JDK_ONLY, fixtures, ApiUsesGuice.class);
        assertViolation(VISION_USES_API_ONLY, fixtures, VisionUsesOnnx.class);
        assertViolation(LLM_USES_API_AND_DJL_ONLY, fixtures, LlmUsesVisionPlugin.class);
        assertViolation(FUSION_USES_API_ONLY, fixtures, FusionUsesJackson.class);
        assertViolation(NOTHING_BUT_CLI_USES_CLI, fixtures, PluginsUsesCli.class);
        assertViolation(PLUGINS_AND_BELOW_NEVER_USE_SERVER, fixtures, PluginsUsesServer.class);
        assertViolation(PLUGINS_ARE_FOUND_NOT_NAMED, fixtures, PluginsNamesAPlugin.class);
        assertViolation(VISION_COMMON_USES_API_ONLY, fixtures, VisionCommonUsesPlugin.class);
        assertViolation(TEXT_COMMON_USES_API_AND_DJL_ONLY, fixtures, TextCommonUsesRuntime.class);

        // and the allowed side stays allowed: runtime may use ORT, a plugin may use api
        String onnxReport = String.join("\n", ONLY_RUNTIME_USES_ONNX.evaluate(fixtures).getFailureReport().getDetails());
        assertThat(onnxReport).doesNotContain(RuntimeUsesOnnx.class.getName());
        String visionReport = String.join("\n", VISION_USES_API_ONLY.evaluate(fixtures).getFailureReport().getDetails());
        assertThat(visionReport).doesNotContain(VisionUsesCommon.class.getName());
    }

    private static void assertViolation(ArchRule rule, JavaClasses classes, Class<?> offender) {
        EvaluationResult result = rule.evaluate(classes);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .as(rule.getDescription())
                .anyMatch(line -> line.contains(offender.getName()));
    }
}
