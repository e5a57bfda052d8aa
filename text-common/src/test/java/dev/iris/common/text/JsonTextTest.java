package dev.iris.common.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    @Test
    void writesIndentedJsonThatReadsBackToTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "tab\there \"quoted\" \\ \u0001");
        m.put("ids", List.of(1L, 2L));
        m.put("scale", 0.5);
        m.put("none", null);
        m.put("flag", true);
        m.put("nested", Map.of("k", List.of()));
        String text = JsonText.write(m);
        assertThat(text).startsWith("{\n  \"name\": ").endsWith("}\n");
        assertThat(Json.parse(text, "test")).isEqualTo(m);
    }

    @Test
    void containersBelowTheIndentLevelsStayOnOneLine() {
        assertThat(JsonText.write(Map.of("merges", List.of(List.of("a", "b"))), 2))
                .isEqualTo("{\n  \"merges\": [\n    [\"a\", \"b\"]\n  ]\n}\n");
    }

    @Test
    void notANumberIsRefused() {
        assertThatThrownBy(() -> JsonText.write(List.of(Double.NaN))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
    }
}
