package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** config.json to {@link LlamaConfig}: the fields, their defaults, and a named error for each bad input. */
class LlamaConfigTest {

    /** The llama-3.2-1b preset's config.json (written once: the preset reads the shipped tokenizer). */
    private static final String LLAMA32_CONFIG = LlamaPresets.files(LlamaPresets.LLAMA32_1B).get("config.json");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> llama32() {
        return new LinkedHashMap<>((Map<String, Object>) Json.parse(LLAMA32_CONFIG, "config.json"));
    }

    private static Map<String, Object> scaling(Map<String, Object> config) {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) config.get("rope_scaling"));
        config.put("rope_scaling", s);
        return s;
    }

    private static LlamaConfig read(Map<String, Object> m) {
        return LlamaConfig.of(m, "/models/x/config.json");
    }

    @Test
    void readsLlama32OneB() {
        LlamaConfig c = read(llama32());
        assertThat(c).isEqualTo(new LlamaConfig(2048, 16, 32, 8, 64, 8192, 128256, 500000.0,
                new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), 1e-5, true, false, false, 131072));
    }

    @Test
    void appliesTransformersDefaults() {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("hidden_size", 64L, "num_hidden_layers", 2L, "num_attention_heads", 4L,
                "intermediate_size", 96L, "vocab_size", 100L));
        LlamaConfig c = read(m);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isEqualTo(RopeScaling.NONE);
        assertThat(c.rmsEps()).isEqualTo(1e-6);
        assertThat(c.tiedEmbeddings()).isFalse();
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
        assertThat(c.maxPositions()).isEqualTo(2048);
    }

    @Test
    void readsBiasesAndTheOlderTypeKeyAndLinearScaling() {
        Map<String, Object> m = llama32();
        m.put("attention_bias", true);
        m.put("mlp_bias", true);
        m.put("rope_scaling", Map.of("type", "linear", "factor", 4.0));
        LlamaConfig c = read(m);
        assertThat(c.attentionBias()).isTrue();
        assertThat(c.mlpBias()).isTrue();
        assertThat(c.ropeScaling()).isEqualTo(new RopeScaling.Linear(4.0));
    }

    @Test
    void defaultRopeTypeAndNullScalingMeanNone() {
        Map<String, Object> m = llama32();
        m.put("rope_scaling", Map.of("rope_type", "default"));
        assertThat(read(m).ropeScaling()).isEqualTo(RopeScaling.NONE);
        m.put("rope_scaling", null);
        assertThat(read(m).ropeScaling()).isEqualTo(RopeScaling.NONE);
    }

    @Test
    void readsTransformers5RopeParameters() {
        Map<String, Object> m = llama32();
        Map<String, Object> p = new LinkedHashMap<>(scaling(m));
        p.put("rope_theta", 250000.0);
        m.remove("rope_scaling");
        m.remove("rope_theta");
        m.put("rope_parameters", p);
        LlamaConfig c = read(m);
        assertThat(c.ropeTheta()).isEqualTo(250000.0);
        assertThat(c.ropeScaling()).isEqualTo(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192));
    }

    @ParameterizedTest
    @ValueSource(strings = {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"})
    void aMissingLlama3FieldIsNamed(String field) {
        Map<String, Object> m = llama32();
        scaling(m).remove(field);
        assertThatThrownBy(() -> read(m)).isInstanceOf(IrisException.class)
                .hasMessageContaining("/models/x/config.json")
                .hasMessageContaining("rope_scaling." + field)
                .hasMessageContaining("missing");
    }

    @Test
    void linearWithoutFactorIsNamed() {
        Map<String, Object> m = llama32();
        m.put("rope_scaling", Map.of("rope_type", "linear"));
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling.factor").hasMessageContaining("missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rope_type", "type"})
    void anUnknownRopeTypeIsNamedWithWhatWasFound(String key) {
        Map<String, Object> m = llama32();
        Map<String, Object> s = scaling(m);
        s.remove("rope_type");
        s.put(key, "yarn");
        assertThatThrownBy(() -> read(m)).isInstanceOf(IrisException.class)
                .hasMessageContaining("rope_scaling." + key)
                .hasMessageContaining("\"yarn\"")
                .hasMessageContaining("default, linear or llama3");
    }

    @Test
    void aScalingWithoutTypeIsNamed() {
        Map<String, Object> m = llama32();
        scaling(m).remove("rope_type");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling.rope_type is missing");
    }

    @Test
    void badScalingNumbersAreNamed() {
        Map<String, Object> m = llama32();
        scaling(m).put("factor", -2.0);
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling.factor must be a positive number, found -2.0");
        scaling(m).put("factor", "big");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling.factor").hasMessageContaining("big");
        Map<String, Object> s = scaling(m);
        s.put("factor", 8.0);
        s.put("high_freq_factor", 1.0);
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling.high_freq_factor 1.0 must be larger than low_freq_factor 1.0");
        m.put("rope_scaling", "llama3");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("rope_scaling must be an object, found \"llama3\"");
    }

    @Test
    void aQwen2FolderIsRefusedNamingItsModelType() {
        Map<String, Object> m = llama32();
        m.put("model_type", "qwen2");
        assertThatThrownBy(() -> read(m)).isInstanceOf(IrisException.class)
                .hasMessageContaining("model_type is \"qwen2\", not \"llama\"")
                .hasMessageContaining("type: qwen2");
    }

    @Test
    void otherBadFieldsAreNamed() {
        Map<String, Object> m = llama32();
        m.put("hidden_act", "gelu");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("hidden_act is \"gelu\"");
        m.remove("hidden_act");
        m.remove("hidden_size");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("required field hidden_size is missing");
        m.put("hidden_size", 2048L);
        m.put("num_key_value_heads", 5L);
        assertThatThrownBy(() -> read(m)).hasMessageContaining("num_attention_heads 32 is not a multiple of num_key_value_heads 5");
        m.put("num_key_value_heads", 8L);
        m.put("head_dim", 63L);
        assertThatThrownBy(() -> read(m)).hasMessageContaining("head_dim 63 is odd");
        m.put("head_dim", 64L);
        m.put("tie_word_embeddings", "yes");
        assertThatThrownBy(() -> read(m)).hasMessageContaining("tie_word_embeddings must be true or false, found \"yes\"");
        m.put("tie_word_embeddings", true);
        m.put("vocab_size", 0L);
        assertThatThrownBy(() -> read(m)).hasMessageContaining("vocab_size must be a positive integer, found 0");
    }
}
