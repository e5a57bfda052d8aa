package dev.iris.vision.siglip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniJsonTest {
    @Test
    void values() throws Exception {
        Object v = MiniJson.parse("\uFEFF { \"a\": [1, -2.5e2, 0.00392156862745098, true, false, null, {}],"
                + " \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\", \"a\": 3 } ");
        assertThat(v).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat(m.get("a")).isEqualTo(3.0); // last duplicate wins, as in Python
        assertThat(m.get("s")).isEqualTo("q\"\\/\b\f\n\r\t\u00e9\u20ac");
        @SuppressWarnings("unchecked")
        List<Object> l = (List<Object>) MiniJson.parse("[1, -2.5e2, 0.00392156862745098, true, false, null, {}, []]");
        assertThat(l).containsExactly(1.0, -250.0, 1 / 255.0, true, false, null, Map.of(), List.of());
    }

    @Test
    void syntaxErrorsGivePositions() {
        for (String[] c : Arrays.asList(
                new String[] {"{\"a\" 1}", "expected ':', found '1' at line 1, column 6"},
                new String[] {"[1,]", "unexpected ']' at line 1, column 4"},
                new String[] {"[01]", "expected ',' or ']' in array, found '1' at line 1, column 3"},
                new String[] {"[1.]", "bad number: digit expected after '.' at line 1, column 4"},
                new String[] {"\"abc", "unterminated string at line 1, column 1"},
                new String[] {"{\"a\": tru}", "unexpected 't' at line 1, column 7"},
                new String[] {"{} x", "unexpected 'x' after the JSON value at line 1, column 4"},
                new String[] {"[\"\\x\"]", "bad escape '\\x' at line 1, column 4"},
                new String[] {"[NaN]", "unexpected 'N' at line 1, column 2"},
                new String[] {"\n\n  {", "expected a quoted key, found end of input at line 3, column 4"})) {
            assertThatThrownBy(() -> MiniJson.parse(c[0])).as(c[0]).hasMessage(c[1]);
        }
        assertThatThrownBy(() -> MiniJson.parse("[".repeat(100))).hasMessageContaining("nesting deeper than 64");
    }
}
