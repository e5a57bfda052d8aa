package dev.iris.vision.siglip;

import dev.iris.api.json.JsonFields;
import dev.iris.common.vision.VitConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The vision settings of a SigLIP {@code config.json}: either a full checkpoint's (SigLIP model
 * with its settings under {@code vision_config}; the text tower's are ignored) or a vision-only
 * one ({@code siglip_vision_model}, flat). Hugging Face writes only the values that differ from
 * {@code SiglipVisionConfig}'s defaults, so a missing (or {@code null}) key takes that default.
 *
 * @param hiddenSize       {@code hidden_size} (768), the width D of every patch token
 * @param intermediateSize {@code intermediate_size} (3072), the MLP's inner width
 * @param layers           {@code num_hidden_layers} (12)
 * @param heads            {@code num_attention_heads} (12)
 * @param channels         {@code num_channels} (3)
 * @param imageSize        {@code image_size} (224), the side of the square input
 * @param patchSize        {@code patch_size} (16)
 * @param layerNormEps     {@code layer_norm_eps} (1e-6)
 * @param hiddenAct        {@code hidden_act} ({@code gelu_pytorch_tanh}); only the tanh GELU is supported
 */
public record SiglipVisionConfig(int hiddenSize, int intermediateSize, int layers, int heads, int channels,
                                 int imageSize, int patchSize, double layerNormEps, String hiddenAct) implements VitConfig {

    /** The activations this tower computes: both names mean GELU with the tanh approximation. */
    // all three name the same tanh approximation of GELU
    public static final List<String> ACTIVATIONS = List.of("gelu_pytorch_tanh", "gelu_tanh", "gelu_new");

    public SiglipVisionConfig {
        VitConfig.check("SigLIP", ACTIVATIONS, hiddenSize, intermediateSize, layers, heads, channels, imageSize, patchSize,
                layerNormEps, hiddenAct);
    }

    /** Hugging Face's {@code SiglipVisionConfig()}: the vision tower of google/siglip-base-patch16-224. */
    public static SiglipVisionConfig defaults() {
        return new SiglipVisionConfig(768, 3072, 12, 12, 3, 224, 16, 1e-6, "gelu_pytorch_tanh");
    }

    /** Reads a model folder's {@code config.json}; errors name the file and the field. */
    public static SiglipVisionConfig read(Path configJson) {
        return from(JsonFields.read(configJson));
    }

    /** Parses the JSON text of a {@code config.json}; {@code source} names it in error messages. */
    public static SiglipVisionConfig parse(String json, String source) {
        return from(JsonFields.parse(json, source));
    }

    private static SiglipVisionConfig from(JsonFields root) {
        // another family's folder (e.g. CLIP given as type: siglip) is refused, not read as SigLIP
        if (root.get("model_type") instanceof String type && !type.startsWith("siglip")) {
            throw root.error("model_type is \"" + type + "\", not a SigLIP vision model"
                    + " (expected \"siglip\" or \"siglip_vision_model\")"
                    + (type.startsWith("clip") ? "; a CLIP folder is model.vision.type: clip" : ""));
        }
        JsonFields f = root.object("vision_config");
        if (f == null) {
            // a full SigLIP config without vision_config: Hugging Face builds the default vision tower
            f = "siglip".equals(root.get("model_type")) ? root.empty("vision_config") : root;
        }
        return of(VitConfig.read(f, defaults(), ACTIVATIONS,
                "the SigLIP vision tower computes \"gelu_pytorch_tanh\" or its alias \"gelu_tanh\""));
    }

    /** The family record of settings read by {@link VitConfig#read}. */
    static SiglipVisionConfig of(VitConfig v) {
        return new SiglipVisionConfig(v.hiddenSize(), v.intermediateSize(), v.layers(), v.heads(), v.channels(), v.imageSize(),
                v.patchSize(), v.layerNormEps(), v.hiddenAct());
    }
}
