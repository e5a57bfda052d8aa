package dev.iris.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFieldsTest {
    static final String CONFIG = """
            {"hidden_size": 64, "image_size": 224.0, "eps": 1e-6, "act": "gelu", "tie": true, "x": null,
             "vision_config": {"patch_size": 0, "name": 7}, "list": [1, 2]}""";

    @Test
    void readsTypedValuesAndDefaultsForMissingOrNullKeys() {
        JsonFields f = JsonFields.parse(CONFIG, "m/config.json");
        assertThat(f.positiveInt("hidden_size", 1)).isEqualTo(64);
        assertThat(f.positiveInt("image_size", 1)).as("an integral float").isEqualTo(224);
        assertThat(f.positiveInt("absent", 9)).isEqualTo(9);
        assertThat(f.positiveInt("x", 9)).as("null takes the default").isEqualTo(9);
        assertThat(f.positiveNumber("eps", 1)).isEqualTo(1e-6);
        assertThat(f.string("act", "relu")).isEqualTo("gelu");
        assertThat(f.bool("tie", false)).isTrue();
        assertThat(f.bool("absent", false)).isFalse();
        assertThat(f.object("absent")).isNull();
    }

    @Test
    void errorsNameTheSourceTheFullKeyAndWhatWasFound() {
        JsonFields f = JsonFields.parse(CONFIG, "m/config.json");
        JsonFields v = f.object("vision_config");
        assertThatThrownBy(() -> v.positiveInt("patch_size", 16)).isInstanceOf(ConfigException.class)
                .hasMessage("m/config.json: vision_config.patch_size must be a positive integer, found 0");
        assertThatThrownBy(() -> v.string("name", "a")).hasMessage("m/config.json: vision_config.name must be a string, found 7");
        assertThatThrownBy(() -> f.positiveInt("eps", 1)).hasMessage("m/config.json: eps must be a positive integer, found 1.0E-6");
        assertThatThrownBy(() -> f.positiveNumber("act", 1)).hasMessage("m/config.json: act must be a positive number, found \"gelu\"");
        assertThatThrownBy(() -> f.bool("list", true)).hasMessage("m/config.json: list must be true or false, found an array");
        assertThatThrownBy(() -> f.string("vision_config", "")).hasMessage("m/config.json: vision_config must be a string, found an object");
        assertThatThrownBy(() -> f.object("act")).hasMessage("m/config.json: act must be an object, found \"gelu\"");
        assertThat(f.empty("text_config").positiveInt("hidden_size", 5)).isEqualTo(5);
        JsonFields t = f.empty("text_config");
        assertThat(t.error(t.fullKey("a") + " is bad")).hasMessage("m/config.json: text_config.a is bad");
    }

    @Test
    void requiredReadsNameTheMissingKeyAndCheckLikeTheOthers() {
        JsonFields f = JsonFields.parse(CONFIG, "m/config.json");
        assertThat(f.positiveInt("hidden_size")).isEqualTo(64);
        assertThat(f.positiveNumber("eps")).isEqualTo(1e-6);
        assertThatThrownBy(() -> f.positiveInt("absent")).isInstanceOf(ConfigException.class)
                .hasMessage("m/config.json: required field absent is missing");
        assertThatThrownBy(() -> f.object("vision_config").positiveNumber("scale"))
                .hasMessage("m/config.json: required field vision_config.scale is missing");
        assertThatThrownBy(() -> f.positiveInt("x")).as("null is missing").hasMessageContaining("required field x is missing");
        assertThatThrownBy(() -> f.object("vision_config").positiveInt("patch_size"))
                .hasMessage("m/config.json: vision_config.patch_size must be a positive integer, found 0");
    }

    @Test
    void fileAndTextErrorsAreConfigErrorsNamingTheSource(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> JsonFields.read(dir.resolve("config.json"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("config.json: file not found");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"a\": }");
        assertThatThrownBy(() -> JsonFields.read(bad)).isInstanceOf(ConfigException.class).hasMessageContaining("bad.json: bad JSON");
        Path array = Files.writeString(dir.resolve("array.json"), "[1]");
        assertThatThrownBy(() -> JsonFields.read(array)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected a JSON object at the top level");
        assertThatThrownBy(() -> JsonFields.parse("[1]", "t.json")).isInstanceOf(ConfigException.class)
                .hasMessage("t.json: expected a JSON object at the top level");
        Path ok = Files.writeString(dir.resolve("ok.json"), "{\"a\": 3}");
        assertThat(JsonFields.read(ok).source()).isEqualTo(ok.toString());
        assertThat(JsonFields.read(ok).positiveInt("a", 1)).isEqualTo(3);
    }
}
