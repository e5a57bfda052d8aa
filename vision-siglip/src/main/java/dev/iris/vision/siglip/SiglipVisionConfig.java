package dev.iris.vision.siglip;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
                                 int imageSize, int patchSize, double layerNormEps, String hiddenAct) {

    /** The activations this tower computes: both names mean GELU with the tanh approximation. */
    // all three name the same tanh approximation of GELU
    public static final List<String> ACTIVATIONS = List.of("gelu_pytorch_tanh", "gelu_tanh", "gelu_new");

    public SiglipVisionConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || channels <= 0
                || imageSize <= 0 || patchSize <= 0) {
            throw new IllegalArgumentException("SigLIP vision sizes must be positive: hidden " + hiddenSize
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

    /** Hugging Face's {@code SiglipVisionConfig()}: the vision tower of google/siglip-base-patch16-224. */
    public static SiglipVisionConfig defaults() {
        return new SiglipVisionConfig(768, 3072, 12, 12, 3, 224, 16, 1e-6, "gelu_pytorch_tanh");
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** Patches along one side of the image. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Patch tokens per image. */
    public int patches() {
        return grid() * grid();
    }

    /** Reads a model folder's {@code config.json}; errors name the file and the field. */
    public static SiglipVisionConfig read(Path configJson) {
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
    public static SiglipVisionConfig parse(String json, String source) {
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

    private static SiglipVisionConfig fromMap(Map<String, Object> root, String source) {
        // another family's folder (e.g. CLIP given as type: siglip) is refused, not read as SigLIP
        if (root.get("model_type") instanceof String type && !type.startsWith("siglip")) {
            throw new ConfigException(source + ": model_type is \"" + type + "\", not a SigLIP vision model"
                    + " (expected \"siglip\" or \"siglip_vision_model\")"
                    + (type.startsWith("clip") ? "; a CLIP folder is model.vision.type: clip" : ""));
        }
        Map<?, ?> m = root;
        String prefix = "";
        Object nested = root.get("vision_config");
        if (nested != null) {
            if (!(nested instanceof Map<?, ?> v)) {
                throw new ConfigException(source + ": vision_config must be an object, found " + describe(nested));
            }
            m = v;
            prefix = "vision_config.";
        } else if ("siglip".equals(root.get("model_type"))) {
            // a full SigLIP config without vision_config: Hugging Face builds the default vision tower
            m = Map.of();
            prefix = "vision_config.";
        }
        Fields f = new Fields(m, source, prefix);
        SiglipVisionConfig d = defaults();
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
                    + " (the SigLIP vision tower computes \"gelu_pytorch_tanh\" or its alias \"gelu_tanh\")");
        }
        if (image % patch != 0) {
            throw new ConfigException(source + ": " + prefix + "image_size " + image + " is not a multiple of "
                    + prefix + "patch_size " + patch);
        }
        if (hidden % heads != 0) {
            throw new ConfigException(source + ": " + prefix + "hidden_size " + hidden + " is not a multiple of "
                    + prefix + "num_attention_heads " + heads);
        }
        return new SiglipVisionConfig(hidden, intermediate, layers, heads, channels, image, patch, eps, act);
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
