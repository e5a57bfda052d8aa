package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.json.JsonFields;
import dev.iris.api.tensor.DType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class VitConfigTest {
    static final List<String> ACTS = List.of("gelu", "quick_gelu");
    static final VitConfig.Values DEFAULTS = new VitConfig.Values(768, 3072, 12, 12, 3, 224, 16, 1e-6, "gelu");

    @Test
    void derivedSizes() {
        VitConfig c = new VitConfig.Values(64, 128, 2, 4, 3, 64, 8, 1e-5, "gelu");
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.grid()).isEqualTo(8);
        assertThat(c.patches()).isEqualTo(64);
    }

    @Test
    void readsWhatIsWrittenAndDefaultsTheRest() {
        VitConfig tiny = new VitConfig.Values(64, 128, 2, 4, 3, 64, 8, 1e-5, "quick_gelu");
        String json = VitConfig.configJson(tiny, "SomeVisionModel", "some_vision_model");
        JsonFields f = JsonFields.parse(json, "config.json");
        assertThat(f.get("architectures")).isEqualTo(List.of("SomeVisionModel"));
        assertThat(f.get("model_type")).isEqualTo("some_vision_model");
        assertThat(VitConfig.read(f, DEFAULTS, ACTS, "x")).isEqualTo(tiny);
        assertThat(VitConfig.read(JsonFields.parse("{\"image_size\": 32, \"patch_size\": 8}", "c.json"), DEFAULTS, ACTS, "x"))
                .isEqualTo(new VitConfig.Values(768, 3072, 12, 12, 3, 32, 8, 1e-6, "gelu"));
    }

    @Test
    void errorsNameTheFileAndTheFullKey() {
        JsonFields root = JsonFields.parse("""
                {"vision_config": {"hidden_act": "relu", "image_size": 30, "patch_size": 8, "hidden_size": 10,
                 "num_attention_heads": 4}}""", "m/config.json");
        JsonFields v = root.object("vision_config");
        assertThatThrownBy(() -> VitConfig.read(v, DEFAULTS, ACTS, "the tower computes \"gelu\""))
                .isInstanceOf(ConfigException.class)
                .hasMessage("m/config.json: vision_config.hidden_act \"relu\" is not supported (the tower computes \"gelu\")");
        JsonFields v2 = JsonFields.parse("{\"v\": {\"image_size\": 30, \"patch_size\": 8}}", "m/config.json").object("v");
        assertThatThrownBy(() -> VitConfig.read(v2, DEFAULTS, ACTS, ""))
                .hasMessage("m/config.json: v.image_size 30 is not a multiple of v.patch_size 8");
        JsonFields v3 = JsonFields.parse("{\"hidden_size\": 10, \"num_attention_heads\": 4}", "m/config.json");
        assertThatThrownBy(() -> VitConfig.read(v3, DEFAULTS, ACTS, ""))
                .hasMessage("m/config.json: hidden_size 10 is not a multiple of num_attention_heads 4");
        JsonFields v4 = JsonFields.parse("{\"layer_norm_eps\": -1}", "m/config.json");
        assertThatThrownBy(() -> VitConfig.read(v4, DEFAULTS, ACTS, ""))
                .hasMessage("m/config.json: layer_norm_eps must be a positive number, found -1");
    }

    @Test
    void checkNamesTheFamilyAndTheSetting() {
        assertThatThrownBy(() -> VitConfig.check("Some", ACTS, 0, 1, 1, 1, 3, 8, 8, 1e-6, "gelu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Some vision sizes must be positive: hidden 0, intermediate 1, layers 1, heads 1, channels 3, image 8, patch 8");
        assertThatThrownBy(() -> VitConfig.check("Some", ACTS, 8, 1, 1, 1, 3, 8, 8, 1e-6, "relu"))
                .hasMessage("unsupported hidden_act \"relu\"");
        assertThatThrownBy(() -> VitConfig.check("Some", ACTS, 8, 1, 1, 1, 3, 9, 8, 1e-6, "gelu"))
                .hasMessage("image_size 9 is not a multiple of patch_size 8");
    }

    @Test
    void embeddingsRequestTheCheckpointsNamesAndRefuseWrongPixels() {
        VitConfig c = new VitConfig.Values(16, 32, 1, 2, 3, 16, 4, 1e-6, "gelu");
        VitEmbeddings e = new VitEmbeddings(c, "Some", "vision", "vision_model.");
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, 16L, 16L);
        Value x = e.withPositions(g, e.patches(g, pixels, true), c.patches());
        g.output("x", x);
        Graph graph = g.build();
        assertThat(graph.output("x").shape().toString()).isEqualTo("[batch, 16, 16]");
        Map<String, String> shapes = new TreeMap<>();
        graph.weights().forEach((q, v) -> shapes.put(q, v.shape().toString()));
        assertThat(shapes).containsExactly(
                Map.entry("vision/vision_model.embeddings.patch_embedding.bias", "[16]"),
                Map.entry("vision/vision_model.embeddings.patch_embedding.weight", "[16, 3, 4, 4]"),
                Map.entry("vision/vision_model.embeddings.position_embedding.weight", "[16, 16]"));
        GraphBuilder g2 = new GraphBuilder();
        Value wrong = g2.input("pixels", DType.F32, "batch", 3L, 32L, 32L);
        assertThatThrownBy(() -> e.patches(g2, wrong, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Some vision tower expects pixels [batch, 3, 16, 16], got [batch, 3, 32, 32]");
    }
}
