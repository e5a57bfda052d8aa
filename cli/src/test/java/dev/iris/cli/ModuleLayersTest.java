package dev.iris.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.iris.plugins.archfixture.PluginsUsesTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host's modules form layers and no arrow runs upward: each module's main classes use only
 * the modules below it (the README's module table). Plugins (datasets among them) are found
 * with ServiceLoader, so no host layer names them. And no module grows to hold the bulk of
 * the main code again.
 */
class ModuleLayersTest {
    /** Bottom to top, with the host modules each may use. Plugin packages are checked by ArchitectureTest. */
    static final Map<String, List<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("dev.iris.api", List.of());
        MAY_USE.put("dev.iris.runtime", List.of("dev.iris.api"));
        MAY_USE.put("dev.iris.plugins", List.of("dev.iris.api", "dev.iris.runtime"));
        MAY_USE.put("dev.iris.datasets", List.of("dev.iris.api"));
        MAY_USE.put("dev.iris.training", List.of("dev.iris.api", "dev.iris.runtime", "dev.iris.plugins"));
        MAY_USE.put("dev.iris.evaluation", List.of("dev.iris.api", "dev.iris.runtime", "dev.iris.plugins", "dev.iris.training"));
        MAY_USE.put("dev.iris.report", List.of("dev.iris.api", "dev.iris.plugins"));
        MAY_USE.put("dev.iris.server", List.of("dev.iris.api", "dev.iris.runtime", "dev.iris.plugins", "dev.iris.report"));
        MAY_USE.put("dev.iris.vlm", List.of("dev.iris.api", "dev.iris.plugins", "dev.iris.training", "dev.iris.evaluation"));
    }

    /** The share of all main code one module may hold (issue 11: about a fifth). */
    static final double MAX_SHARE = 0.20;

    /** Test classes that reach cli's class path in other modules' test-jars (DoNotIncludeTests sees only folders). */
    static final ImportOption NO_TEST_JARS = location -> !location.contains("-tests.jar");

    static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests()).withImportOption(NO_TEST_JARS)
                .importPackages("dev.iris");
    }

    static ArchRule usesOnlyLowerLayers(String module) {
        String[] forbidden = MAY_USE.keySet().stream()
                .filter(other -> !other.equals(module) && !MAY_USE.get(module).contains(other))
                .map(p -> p + "..")
                .toArray(String[]::new);
        return noClasses().that().resideInAPackage(module + "..")
                .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                .because(module + " may use only " + MAY_USE.get(module))
                .allowEmptyShould(false);
    }

    @Test
    void noArrowRunsUpward() {
        MAY_USE.keySet().forEach(module -> usesOnlyLowerLayers(module).check(main));
    }

    @Test
    void noMainCodeUsesTheTestkit() {
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.iris.testkit..")
                .because("the contract kits are a test-scope dependency of plugins").check(main);
    }

    @Test
    void theRuleBitesOnAnUpwardArrow() {
        // plugins -> training would be upward: the fixture class makes exactly that arrow
        JavaClasses fixture = new ClassFileImporter().importClasses(PluginsUsesTraining.class);
        assertThat(usesOnlyLowerLayers("dev.iris.plugins").evaluate(fixture).hasViolation()).isTrue();
    }

    @Test
    void noModuleHoldsMoreThanAFifthOfTheMainCode() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();   // tests run in cli/
        Map<String, Long> lines = new LinkedHashMap<>();
        try (Stream<Path> modules = Files.list(root)) {
            modules.filter(m -> Files.isDirectory(m.resolve("src/main/java")))
                    .forEach(m -> lines.put(m.getFileName().toString(), javaLines(m.resolve("src/main/java"))));
        }
        long total = lines.values().stream().mapToLong(Long::longValue).sum();
        assertThat(lines).as("modules found under " + root).containsKeys("api", "plugins", "training", "cli");
        lines.forEach((module, n) -> assertThat((double) n / total)
                .as("%s holds %d of %d lines of main code", module, n, total)
                .isLessThanOrEqualTo(MAX_SHARE));
    }

    private static long javaLines(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).mapToLong(f -> {
                try (Stream<String> l = Files.lines(f)) {
                    return l.count();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
