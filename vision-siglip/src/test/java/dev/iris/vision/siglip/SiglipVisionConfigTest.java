package dev.iris.vision.siglip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiglipVisionConfigTest {
    @TempDir
    Path tmp;

    /**
     * The shape of google/siglip-base-patch16-224's config.json: a full SigLIP model whose
     * vision_config spells out only a few keys, relying on SiglipVisionConfig's defaults.
     */
    static final String SIGLIP_BASE_FULL = """
            {
              "architectures": ["SiglipModel"],
              "initializer_factor": 1.0,
              "model_type": "siglip",
              "text_config": {
                "hidden_size": 768,
                "intermediate_size": 3072,
                "model_type": "siglip_text_model",
                "num_attention_heads": 12,
                "vocab_size": 32000
              },
              "torch_dtype": "float32",
              "transformers_version": "4.37.0.dev0",
              "vision_config": {
                "model_type": "siglip_vision_model",
                "num_attention_heads": 12,
                "patch_size": 16
              }
            }
            """;

    @Test
    void fullCheckpointConfigTakesVisionConfigAndDefaults() {
        SiglipVisionConfig c = SiglipVisionConfig.parse(SIGLIP_BASE_FULL, "config.json");
        assertThat(c).isEqualTo(SiglipVisionConfig.defaults());
        assertThat(c.hiddenSize()).isEqualTo(768);
        assertThat(c.intermediateSize()).isEqualTo(3072);
        assertThat(c.layers()).isEqualTo(12);
        assertThat(c.heads()).isEqualTo(12);
        assertThat(c.channels()).isEqualTo(3);
        assertThat(c.imageSize()).isEqualTo(224);
        assertThat(c.patchSize()).isEqualTo(16);
        assertThat(c.layerNormEps()).isEqualTo(1e-6);
        assertThat(c.hiddenAct()).isEqualTo("gelu_pytorch_tanh");
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.patches()).isEqualTo(196);
    }

    @Test
    void textTowerSettingsAreNotMistakenForVisionOnes() {
        String json = """
                {"model_type": "siglip", "hidden_size": 1, "text_config": {"hidden_size": 512},
                 "vision_config": {"hidden_size": 96, "num_attention_heads": 6, "image_size": 64, "patch_size": 8}}
                """;
        SiglipVisionConfig c = SiglipVisionConfig.parse(json, "config.json");
        assertThat(c.hiddenSize()).isEqualTo(96);
        assertThat(c.heads()).isEqualTo(6);
        assertThat(c.patches()).isEqualTo(64);
    }

    @Test
    void fullConfigWithoutVisionConfigIsTheDefaultTower() {
        assertThat(SiglipVisionConfig.parse("{\"model_type\": \"siglip\", \"text_config\": {}}", "c.json"))
                .isEqualTo(SiglipVisionConfig.defaults());
    }

    @Test
    void flatVisionOnlyConfig() throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, """
                {"model_type": "siglip_vision_model", "hidden_size": 1152, "intermediate_size": 4304,
                 "num_hidden_layers": 27, "num_attention_heads": 16, "image_size": 224, "patch_size": 14,
                 "hidden_act": "gelu_tanh", "layer_norm_eps": 1e-5}
                """);
        SiglipVisionConfig c = SiglipVisionConfig.read(f);
        assertThat(c).isEqualTo(new SiglipVisionConfig(1152, 4304, 27, 16, 3, 224, 14, 1e-5, "gelu_tanh"));
        assertThat(c.patches()).isEqualTo(16 * 16);
        // an empty flat config is the default tower too
        assertThat(SiglipVisionConfig.parse("{}", "c.json")).isEqualTo(SiglipVisionConfig.defaults());
    }

    @Test
    void unsupportedActivationNamesFileFieldAndValue() {
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"vision_config\": {\"hidden_act\": \"quick_gelu\"}}", "m/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("m/config.json: vision_config.hidden_act \"quick_gelu\" is not supported"
                        + " (the SigLIP vision tower computes \"gelu_pytorch_tanh\" or its alias \"gelu_tanh\")");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"hidden_act\": \"gelu\"}", "v/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("v/config.json: hidden_act \"gelu\" is not supported"
                        + " (the SigLIP vision tower computes \"gelu_pytorch_tanh\" or its alias \"gelu_tanh\")");
    }

    @Test
    void imageNotDivisibleByPatch() {
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"vision_config\": {\"image_size\": 230}}", "m/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("m/config.json: vision_config.image_size 230 is not a multiple of vision_config.patch_size 16");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"image_size\": 64, \"patch_size\": 7}", "v/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("v/config.json: image_size 64 is not a multiple of patch_size 7");
    }

    @Test
    void hiddenNotDivisibleByHeads() {
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"hidden_size\": 100, \"num_attention_heads\": 12}", "v/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("v/config.json: hidden_size 100 is not a multiple of num_attention_heads 12");
    }

    @Test
    void badValuesNameTheField() {
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"vision_config\": {\"patch_size\": \"16\"}}", "c.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("c.json: vision_config.patch_size must be a positive integer, found \"16\"");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"num_hidden_layers\": 0}", "c.json"))
                .hasMessage("c.json: num_hidden_layers must be a positive integer, found 0");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"hidden_size\": 76.5}", "c.json"))
                .hasMessage("c.json: hidden_size must be a positive integer, found 76.5");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"layer_norm_eps\": -1}", "c.json"))
                .hasMessage("c.json: layer_norm_eps must be a positive number, found -1");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"hidden_act\": 3}", "c.json"))
                .hasMessage("c.json: hidden_act must be a string, found 3");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"vision_config\": [1]}", "c.json"))
                .hasMessage("c.json: vision_config must be an object, found an array");
        // an integral float is an integer, as Python's JSON writer sometimes leaves it
        assertThat(SiglipVisionConfig.parse("{\"image_size\": 224.0}", "c.json").imageSize()).isEqualTo(224);
    }

    @Test
    void missingOrMalformedFile() throws Exception {
        Path missing = tmp.resolve("nope/config.json");
        assertThatThrownBy(() -> SiglipVisionConfig.read(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": file not found");
        Path bad = tmp.resolve("config.json");
        Files.writeString(bad, "{\"hidden_size\": }");
        assertThatThrownBy(() -> SiglipVisionConfig.read(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(bad + ": bad JSON at line 1");
    }

    /** A CLIP folder given as type: siglip is refused naming model_type, not read with SigLIP's defaults. */
    @Test
    void anotherFamilysConfigIsRefusedNamingModelType() {
        assertThatThrownBy(() -> SiglipVisionConfig.parse(
                "{\"model_type\": \"clip\", \"vision_config\": {\"patch_size\": 16}}", "clip/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("clip/config.json: model_type is \"clip\", not a SigLIP vision model (expected \"siglip\""
                        + " or \"siglip_vision_model\"); a CLIP folder is model.vision.type: clip");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"model_type\": \"clip_vision_model\"}", "c.json"))
                .hasMessageContaining("model_type is \"clip_vision_model\", not a SigLIP vision model");
        assertThatThrownBy(() -> SiglipVisionConfig.parse("{\"model_type\": \"llama\"}", "c.json"))
                .hasMessage("c.json: model_type is \"llama\", not a SigLIP vision model (expected \"siglip\" or \"siglip_vision_model\")");
    }
}
