package dev.iris.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipVisionConfigTest {
    @TempDir
    Path tmp;

    /**
     * The layout of a full CLIP checkpoint's config.json (openai/clip-vit-large-patch14-336 style):
     * model_type clip, the text tower's settings under text_config, the vision tower's under
     * vision_config.
     */
    static final String CLIP_L336_FULL = """
            {
              "architectures": ["CLIPModel"],
              "initializer_factor": 1.0,
              "logit_scale_init_value": 2.6592,
              "model_type": "clip",
              "projection_dim": 768,
              "text_config": {
                "hidden_size": 768,
                "intermediate_size": 3072,
                "model_type": "clip_text_model",
                "num_attention_heads": 12,
                "num_hidden_layers": 12,
                "projection_dim": 768
              },
              "torch_dtype": "float32",
              "vision_config": {
                "hidden_size": 1024,
                "image_size": 336,
                "intermediate_size": 4096,
                "model_type": "clip_vision_model",
                "num_attention_heads": 16,
                "num_hidden_layers": 24,
                "patch_size": 14,
                "projection_dim": 768
              }
            }
            """;

    @Test
    void fullCheckpointConfigTakesVisionConfigAndDefaults() {
        ClipVisionConfig c = ClipVisionConfig.parse(CLIP_L336_FULL, "config.json");
        assertThat(c).isEqualTo(ClipVisionConfig.large14At336());
        assertThat(c.grid()).isEqualTo(24);
        assertThat(c.patches()).isEqualTo(576);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.layerNormEps()).isEqualTo(1e-5);  // CLIPVisionConfig's default
        assertThat(c.hiddenAct()).isEqualTo("quick_gelu");
    }

    @Test
    void visionOnlyConfigIsFlatAndAFullOneWithoutVisionConfigIsTheDefaultTower() {
        ClipVisionConfig c = ClipVisionConfig.parse("""
                {"model_type": "clip_vision_model", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
                 "num_attention_heads": 4, "image_size": 64, "patch_size": 8, "hidden_act": "gelu", "layer_norm_eps": 1e-6}""",
                "c.json");
        assertThat(c).isEqualTo(new ClipVisionConfig(64, 128, 3, 4, 3, 64, 8, 1e-6, "gelu"));
        // top-level keys of a full config belong to CLIPConfig, not the vision tower
        assertThat(ClipVisionConfig.parse("{\"model_type\": \"clip\", \"hidden_size\": 5}", "c.json"))
                .isEqualTo(ClipVisionConfig.defaults());
        assertThat(ClipVisionConfig.defaults().patches()).isEqualTo(49);
        assertThat(ClipVisionConfig.base16().patches()).isEqualTo(196);
    }

    @Test
    void aSiglipOrOtherFolderIsRefusedNamingModelType() {
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"model_type\": \"siglip\", \"vision_config\": {}}", "siglip/config.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("siglip/config.json: model_type is \"siglip\", not a CLIP vision model (expected \"clip\" or"
                        + " \"clip_vision_model\"); a SigLIP folder is model.vision.type: siglip");
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"model_type\": \"siglip_vision_model\"}", "c.json"))
                .hasMessageContaining("model_type is \"siglip_vision_model\", not a CLIP vision model");
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"model_type\": \"qwen2\"}", "c.json"))
                .hasMessage("c.json: model_type is \"qwen2\", not a CLIP vision model (expected \"clip\" or \"clip_vision_model\")");
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"hidden_size\": 768}", "c.json"))
                .hasMessage("c.json: model_type is missing, not a CLIP vision model (expected \"clip\" or \"clip_vision_model\")");
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"model_type\": 3}", "c.json"))
                .hasMessageStartingWith("c.json: model_type is 3, not a CLIP vision model");
    }

    @Test
    void badFieldsNameTheFileAndTheFullKey() {
        String full = "{\"model_type\": \"clip\", \"vision_config\": %s}";
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("{\"hidden_act\": \"relu\"}"), "c.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("c.json: vision_config.hidden_act \"relu\" is not supported (the CLIP vision tower computes"
                        + " \"quick_gelu\" or \"gelu\")");
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("{\"patch_size\": 15}"), "c.json"))
                .hasMessage("c.json: vision_config.image_size 224 is not a multiple of vision_config.patch_size 15");
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("{\"num_attention_heads\": 5}"), "c.json"))
                .hasMessage("c.json: vision_config.hidden_size 768 is not a multiple of vision_config.num_attention_heads 5");
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("{\"num_hidden_layers\": -1}"), "c.json"))
                .hasMessage("c.json: vision_config.num_hidden_layers must be a positive integer, found -1");
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("{\"layer_norm_eps\": \"small\"}"), "c.json"))
                .hasMessage("c.json: vision_config.layer_norm_eps must be a positive number, found \"small\"");
        assertThatThrownBy(() -> ClipVisionConfig.parse(full.formatted("[1]"), "c.json"))
                .hasMessage("c.json: vision_config must be an object, found an array");
        assertThatThrownBy(() -> ClipVisionConfig.parse("{\"model_type\": \"clip_vision_model\", \"image_size\": \"336\"}", "c.json"))
                .hasMessage("c.json: image_size must be a positive integer, found \"336\"");
        assertThat(ClipVisionConfig.parse("{\"model_type\": \"clip_vision_model\", \"image_size\": 336.0, \"patch_size\": 14}", "c.json")
                .imageSize()).isEqualTo(336);
    }

    @Test
    void missingOrMalformedFile() throws Exception {
        Path missing = tmp.resolve("nope/config.json");
        assertThatThrownBy(() -> ClipVisionConfig.read(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": file not found");
        Path bad = tmp.resolve("config.json");
        Files.writeString(bad, "{\"model_type\": }");
        assertThatThrownBy(() -> ClipVisionConfig.read(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(bad + ": bad JSON at line 1");
    }
}
