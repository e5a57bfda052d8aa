package dev.iris.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesModelConfigValues() {
        Object v = Json.parse("{\"hidden_size\": 896, \"rms_norm_eps\": 1e-06, \"tie\": true, \"eos\": [151645, 151643],"
                + " \"name\": \"Qwen\\u0032\\n\", \"x\": null, \"neg\": -0.5}", "config.json");
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.get("hidden_size")).isEqualTo(896L);
        assertThat(m.get("rms_norm_eps")).isEqualTo(1e-6);
        assertThat(m.get("tie")).isEqualTo(true);
        assertThat(m.get("eos")).isEqualTo(List.of(151645L, 151643L));
        assertThat(m.get("name")).isEqualTo("Qwen2\n");
        assertThat(m).containsKey("x");
        assertThat(m.get("x")).isNull();
        assertThat(m.get("neg")).isEqualTo(-0.5);
    }

    @Test
    void toleratesAByteOrderMark() {
        assertThat(Json.parse("\uFEFF{\"a\": 1}", "bom.json")).isEqualTo(Map.of("a", 1L));
    }

    @Test
    void errorsNameSourceLineAndColumn() {
        assertThatThrownBy(() -> Json.parse("{\n  \"a\": 1,\n  \"b\" 2}", "models/x/config.json"))
                .hasMessage("models/x/config.json: bad JSON at line 3, column 7: expected ':'");
        assertThatThrownBy(() -> Json.parse("[1, 2", "f.json")).hasMessageContaining("f.json: bad JSON").hasMessageContaining("unexpected end of input");
        assertThatThrownBy(() -> Json.parse("{} x", "f.json")).hasMessageContaining("unexpected text after the JSON value");
    }
}
