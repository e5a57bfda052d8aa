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
        assertThat(m.keySet()).containsExactlyElementsOf(ServeConfig.KEYS);
        ServeConfig c = ServeConfig.from(m, Map.of(ServeConfig.API_KEY_ENV, "from-env"));
        assertThat(c).isEqualTo(new ServeConfig(Optional.of("abc"), 1000, 2000, 64, 0, 2, 1.5, 0, List.of("images.example.org", "127.0.0.1"), "iris-med"));
        assertThat(c.toString()).doesNotContain("abc").contains("api_key=(set)");
    }

    @Test
    void apiKeyFromTheEnvironmentWhenTheConfigHasNone() {
        assertThat(ServeConfig.from(Map.of(), Map.of("IRIS_API_KEY", "k")).apiKey()).contains("k");
        assertThat(ServeConfig.from(Map.of(), Map.of("IRIS_API_KEY", "  ")).apiKey()).isEmpty();
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
        assertThatThrownBy(() -> ServeConfig.from(Map.of("allow_image_hosts", Map.of("a", 1)), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("serve.allow_image_hosts");
    }
}
