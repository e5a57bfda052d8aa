package dev.iris.plugins.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.config.ConfigSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigSectionsTest {
    private static ConfigSection section(String name, int order, String... fields) {
        return ConfigSection.of(name, order, Arrays.stream(fields).map(f -> ConfigField.of(f, "a field")).toList());
    }

    @Test
    void theHostDeclaresItsOwnSectionsAndNoModuleSections() {
        // the plugins module alone has no server or report on its class path
        assertThat(ConfigSections.installed().names()).containsExactly("model", "runtime", "generate", "train");
        assertThat(IrisConfig.knownKeys().get("runtime")).containsExactly("device", "threads", "weights");
    }

    @Test
    void aModuleSectionIsCheckedWithSuggestionsOnceDeclared() {
        List<ConfigSection> all = new ArrayList<>(HostSections.all());
        all.add(section("serve", 40, "workers", "queue"));
        Map<String, List<String>> known = ConfigSections.of(all).knownKeys();
        Map<String, Object> tree = Map.of("serve", Map.of("workrs", 2));

        assertThatThrownBy(() -> IrisConfig.checkKnownKeys(tree, "f.yaml", known))
                .isInstanceOf(ConfigException.class)
                .hasMessage("f.yaml: unknown key 'serve.workrs', did you mean workers? (known in serve: workers, queue)");
        IrisConfig.checkKnownKeys(Map.of("serve", Map.of("workers", 2)), "f.yaml", known); // no error
    }

    @Test
    void withoutItsModuleASectionIsAnUnknownTopLevelKey() {
        assertThatThrownBy(() -> new ConfigLoader().parse("serve: { workers: 2 }\n", "f.yaml", Path.of("."), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("f.yaml: unknown top-level key 'serve' (known: model, runtime, generate, train)");
    }

    @Test
    void sectionsAreOrderedByTheirDeclaredPlace() {
        List<ConfigSection> all = new ArrayList<>();
        all.add(section("late", 90, "x"));
        all.addAll(HostSections.all());
        all.add(section("early", 5, "y"));
        assertThat(ConfigSections.of(all).names()).containsExactly("model", "early", "runtime", "generate", "train", "late");
    }

    @Test
    void twoModulesCannotDeclareOneSection() {
        assertThatThrownBy(() -> ConfigSections.of(List.of(section("serve", 1, "a"), section("serve", 2, "b"))))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("two modules declare the config section 'serve'");
    }
}
