package dev.iris.vision.clip;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
                               int imageSize, int patchSize, double layerNormEps, String hiddenAct) {

    /** The {@code model_type} values of a CLIP config: a full checkpoint, or its vision tower alone. */
    public static final List<String> MODEL_TYPES = List.of("clip", "clip_vision_model");

    /** The activations this tower computes (as {@code hidden_act} names them). */
    public static final List<String> ACTIVATIONS = List.of("quick_gelu", "gelu");

    public ClipVisionConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || channels <= 0
                || imageSize <= 0 || patchSize <= 0) {
            throw new IllegalArgumentException("CLIP vision sizes must be positive: hidden " + hiddenSize
                    + ", intermediate " + intermediateSize + ", layers " + layers + ", heads " + heads
                    + ", channels " + channels + ", image " + imageSize + ", patch " + patchSize);
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        if (!ACTIVATIONS.contains(hiddenAct)) throw new IllegalArgumentException("unsupported hidden_act \"" + hiddenAct + "\"");
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        }
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

    public int headDim() {
        return hiddenSize / heads;
    }

    /** Patches along one side of the image. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Patch tokens per image (without the class token). */
    public int patches() {
        return grid() * grid();
    }

    /** Reads a model folder's {@code config.json}; errors name the file and the field. */
    public static ClipVisionConfig read(Path configJson) {
        Map<String, Object> root;
        try {
            root = Json.readObject(configJson);
        } catch (ConfigException e) {
            throw e;
        } catch (IrisException e) {
            throw new ConfigException(e.getMessage());
        }
        return fromMap(root, configJson.toString());
    }

    /** Parses the JSON text of a {@code config.json}; {@code source} names it in error messages. */
    public static ClipVisionConfig parse(String json, String source) {
        Object root;
        try {
            root = Json.parse(json, source);
        } catch (IrisException e) {
            throw new ConfigException(e.getMessage());
        }
        if (!(root instanceof Map<?, ?>)) throw new ConfigException(source + ": expected a JSON object at the top level");
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) root;
        return fromMap(map, source);
    }

    private static ClipVisionConfig fromMap(Map<String, Object> root, String source) {
        Object type = root.get("model_type");
        if (!(type instanceof String t) || !MODEL_TYPES.contains(t)) {
            // a SigLIP (or any other) folder given as type: clip is refused here, not half-loaded
            throw new ConfigException(source + ": model_type is " + (type == null ? "missing" : describe(type))
                    + ", not a CLIP vision model (expected \"clip\" or \"clip_vision_model\")"
                    + (type instanceof String s && s.startsWith("siglip") ? "; a SigLIP folder is model.vision.type: siglip" : ""));
        }
        Map<?, ?> m = root;
        String prefix = "";
        if (t.equals("clip")) {
            Object nested = root.get("vision_config");
            prefix = "vision_config.";
            if (nested == null) {
                m = Map.of(); // a full CLIP config without vision_config: Hugging Face builds the default tower
            } else if (nested instanceof Map<?, ?> v) {
                m = v;
            } else {
                throw new ConfigException(source + ": vision_config must be an object, found " + describe(nested));
            }
        }
        Fields f = new Fields(m, source, prefix);
        ClipVisionConfig d = defaults();
        int hidden = f.positiveInt("hidden_size", d.hiddenSize());
        int intermediate = f.positiveInt("intermediate_size", d.intermediateSize());
        int layers = f.positiveInt("num_hidden_layers", d.layers());
        int heads = f.positiveInt("num_attention_heads", d.heads());
        int channels = f.positiveInt("num_channels", d.channels());
        int image = f.positiveInt("image_size", d.imageSize());
        int patch = f.positiveInt("patch_size", d.patchSize());
        double eps = f.positiveNumber("layer_norm_eps", d.layerNormEps());
        String act = f.string("hidden_act", d.hiddenAct());
        if (!ACTIVATIONS.contains(act)) {
            throw new ConfigException(source + ": " + prefix + "hidden_act \"" + act + "\" is not supported"
                    + " (the CLIP vision tower computes \"quick_gelu\" or \"gelu\")");
        }
        if (image % patch != 0) {
            throw new ConfigException(source + ": " + prefix + "image_size " + image + " is not a multiple of "
                    + prefix + "patch_size " + patch);
        }
        if (hidden % heads != 0) {
            throw new ConfigException(source + ": " + prefix + "hidden_size " + hidden + " is not a multiple of "
                    + prefix + "num_attention_heads " + heads);
        }
        return new ClipVisionConfig(hidden, intermediate, layers, heads, channels, image, patch, eps, act);
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }

    /** Typed reads of one config object; errors name the source and the full field name. */
    private record Fields(Map<?, ?> map, String source, String prefix) {
        int positiveInt(String key, int dflt) {
            Object v = map.get(key);
            if (v == null) return dflt;
            // 224 and 224.0 alike: Hugging Face configs sometimes store integral floats
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && n.doubleValue() >= 1 && n.doubleValue() <= Integer.MAX_VALUE) {
                return (int) n.doubleValue();
            }
            throw new ConfigException(source + ": " + prefix + key + " must be a positive integer, found " + describe(v));
        }

        double positiveNumber(String key, double dflt) {
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue())) return n.doubleValue();
            throw new ConfigException(source + ": " + prefix + key + " must be a positive number, found " + describe(v));
        }

        String string(String key, String dflt) {
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof String s) return s;
            throw new ConfigException(source + ": " + prefix + key + " must be a string, found " + describe(v));
        }
    }
}
