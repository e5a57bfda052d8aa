package dev.iris.vision.clip;

import dev.iris.api.json.JsonFields;
import dev.iris.common.vision.VitConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The vision settings of a CLIP {@code config.json}: a full checkpoint's ({@code model_type}
 * {@code clip}, the vision tower's settings under {@code vision_config}; the text tower's are
 * ignored) or a vision-only one ({@code clip_vision_model}, flat). Hugging Face writes only the
 * values that differ from {@code CLIPVisionConfig}'s defaults, so a missing (or {@code null}) key
 * takes that default.
 *
 * @param hiddenSize       {@code hidden_size} (768), the width D of every token
 * @param intermediateSize {@code intermediate_size} (3072), the MLP's inner width
 * @param layers           {@code num_hidden_layers} (12)
 * @param heads            {@code num_attention_heads} (12)
 * @param channels         {@code num_channels} (3)
 * @param imageSize        {@code image_size} (224), the side of the square input
 * @param patchSize        {@code patch_size} (32)
 * @param layerNormEps     {@code layer_norm_eps} (1e-5)
 * @param hiddenAct        {@code hidden_act} ({@code quick_gelu}), or {@code gelu} (exact, erf)
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int layers, int heads, int channels,
                               int imageSize, int patchSize, double layerNormEps, String hiddenAct) implements VitConfig {

    /** The {@code model_type} values of a CLIP config: a full checkpoint, or its vision tower alone. */
    public static final List<String> MODEL_TYPES = List.of("clip", "clip_vision_model");

    /** The activations this tower computes (as {@code hidden_act} names them). */
    public static final List<String> ACTIVATIONS = List.of("quick_gelu", "gelu");

    public ClipVisionConfig {
        VitConfig.check("CLIP", ACTIVATIONS, hiddenSize, intermediateSize, layers, heads, channels, imageSize, patchSize,
                layerNormEps, hiddenAct);
    }

    /** Hugging Face's {@code CLIPVisionConfig()}: the vision tower of openai/clip-vit-base-patch32. */
    public static ClipVisionConfig defaults() {
        return new ClipVisionConfig(768, 3072, 12, 12, 3, 224, 32, 1e-5, "quick_gelu");
    }

    /** openai/clip-vit-base-patch16's vision tower: 224 px in 16 px patches, 196 patches. */
    public static ClipVisionConfig base16() {
        return new ClipVisionConfig(768, 3072, 12, 12, 3, 224, 16, 1e-5, "quick_gelu");
    }

    /** openai/clip-vit-large-patch14-336's vision tower (LLaVA-1.5's encoder): 336 px, 576 patches. */
    public static ClipVisionConfig large14At336() {
        return new ClipVisionConfig(1024, 4096, 24, 16, 3, 336, 14, 1e-5, "quick_gelu");
    }

    /** Reads a model folder's {@code config.json}; errors name the file and the field. */
    public static ClipVisionConfig read(Path configJson) {
        return from(JsonFields.read(configJson));
    }

    /** Parses the JSON text of a {@code config.json}; {@code source} names it in error messages. */
    public static ClipVisionConfig parse(String json, String source) {
        return from(JsonFields.parse(json, source));
    }

    private static ClipVisionConfig from(JsonFields root) {
        Object type = root.get("model_type");
        if (!(type instanceof String t) || !MODEL_TYPES.contains(t)) {
            // a SigLIP (or any other) folder given as type: clip is refused here, not half-loaded
            throw root.error("model_type is " + (type == null ? "missing" : JsonFields.describe(type))
                    + ", not a CLIP vision model (expected \"clip\" or \"clip_vision_model\")"
                    + (type instanceof String s && s.startsWith("siglip") ? "; a SigLIP folder is model.vision.type: siglip" : ""));
        }
        JsonFields f = root;
        if (t.equals("clip")) {
            JsonFields nested = root.object("vision_config");
            // a full CLIP config without vision_config: Hugging Face builds the default tower
            f = nested != null ? nested : root.empty("vision_config");
        }
        return of(VitConfig.read(f, defaults(), ACTIVATIONS, "the CLIP vision tower computes \"quick_gelu\" or \"gelu\""));
    }

    /** The family record of settings read by {@link VitConfig#read}. */
    static ClipVisionConfig of(VitConfig v) {
        return new ClipVisionConfig(v.hiddenSize(), v.intermediateSize(), v.layers(), v.heads(), v.channels(), v.imageSize(),
                v.patchSize(), v.layerNormEps(), v.hiddenAct());
    }
}
