package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServeConfigTest {
    @Test
    void defaults() {
        ServeConfig c = ServeConfig.from(Map.of(), Map.of());
        assertThat(c).isEqualTo(ServeConfig.DEFAULTS);
        assertThat(c.apiKey()).isEmpty();
        assertThat(c.maxBodyBytes()).isEqualTo(20 * 1024 * 1024);
        assertThat(c.maxImagePixels()).isEqualTo(40_000_000);
        assertThat(c.maxTokensCap()).isEqualTo(1024);
        assertThat(c.queue()).isEqualTo(16);
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.deadlineS()).isEqualTo(120);
        assertThat(c.drainS()).isEqualTo(30);
        assertThat(c.allowImageHosts()).isEmpty();
        assertThat(c.modelName()).isEqualTo("iris");
    }

    @Test
    void readsEveryKey() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_key", "abc");
        m.put("max_body_bytes", 1000);
        m.put("max_image_pixels", "2000");
        m.put("max_tokens_cap", 64);
        m.put("queue", 0);
        m.put("workers", 2);
        m.put("deadline_s", 1.5);
        m.put("drain_s", 0);
        m.put("allow_image_hosts", List.of("Images.Example.org", "127.0.0.1"));
        m.put("model_name", "iris-med");
        m.put("max_prompt_chars", 5000);
        m.put("max_images", 2);
        m.put("header_timeout_s", 3);
        m.put("body_timeout_s", 4.5);
        m.put("min_body_bytes_per_s", 0);
        m.put("max_connections_per_client", 8);
        assertThat(m.keySet()).containsExactlyElementsOf(ServeConfig.KEYS);
        ServeConfig c = ServeConfig.from(m, Map.of(ServeConfig.API_KEY_ENV, "from-env"));
        assertThat(c).isEqualTo(new ServeConfig(Optional.of("abc"), 1000, 2000, 64, 0, 2, 1.5, 0, List.of("images.example.org", "127.0.0.1"), "iris-med",
                5000, 2, new ServeConfig.Connections(3, 4.5, 0, 8), "serve.api_key"));
        assertThat(c.toString()).doesNotContain("abc").contains("api_key=(set, from serve.api_key)");
    }

    @Test
    void apiKeyFromTheEnvironmentWhenTheConfigHasNone() {
        ServeConfig c = ServeConfig.from(Map.of(), Map.of("IRIS_API_KEY", "k"));
        assertThat(c.apiKey()).contains("k");
        assertThat(c.apiKeyFrom()).isEqualTo("IRIS_API_KEY");
        assertThat(c.toString()).contains("from IRIS_API_KEY").doesNotContain("=k");
    }

    /** An empty key used to switch authentication off, even with IRIS_API_KEY set: now it is an error naming where it came from. */
    @Test
    void anEmptyKeyIsAConfigError() {
        assertThatThrownBy(() -> ServeConfig.from(Map.of("api_key", ""), Map.of("IRIS_API_KEY", "from-env")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.api_key").hasMessageContaining("empty");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("api_key", "  "), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.api_key");
        assertThatThrownBy(() -> ServeConfig.from(Map.of(), Map.of("IRIS_API_KEY", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("IRIS_API_KEY").hasMessageContaining("empty");
        assertThatThrownBy(() -> ServeConfig.DEFAULTS.withApiKey("")).isInstanceOf(ConfigException.class);
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> ServeConfig.from(Map.of("wokers", 2), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.wokers").hasMessageContaining("workers");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("workers", 0), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.workers");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("queue", "many"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.queue").hasMessageContaining("\"many\"");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("deadline_s", 0), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.deadline_s");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("body_timeout_s", 0), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.body_timeout_s");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("max_prompt_chars", 0), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.max_prompt_chars");
        assertThatThrownBy(() -> ServeConfig.from(Map.of("allow_image_hosts", Map.of("a", 1)), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.allow_image_hosts");
    }

    @Test
    void theServerDeclaresItsSectionSoAConfigChecksItsKeys() {
        // serve and report are known because their modules are on the class path, not because the host lists them
        assertThat(dev.iris.plugins.config.IrisConfig.knownKeys()).containsKeys("serve", "report");
        assertThat(dev.iris.plugins.config.IrisConfig.knownKeys().get("serve")).isEqualTo(ServeConfig.KEYS);
        assertThatThrownBy(() -> new dev.iris.plugins.config.ConfigLoader().parse("serve: { workrs: 2 }\n", "s.yaml",
                java.nio.file.Path.of("."), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("s.yaml: unknown key 'serve.workrs', did you mean workers? (known in serve: api_key, ");
    }
}
