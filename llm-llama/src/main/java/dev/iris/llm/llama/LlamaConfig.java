package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.json.Json;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fields of a Hugging Face {@code LlamaForCausalLM} {@code config.json} that the decoder
 * needs (Llama 2, Llama 3.x, TinyLlama, SmolLM2, MobileLLaMA). Defaults are those of
 * transformers' {@code LlamaConfig} where a checkpoint may leave a field out.
 *
 * @param headDim        width of one attention head ({@code head_dim}, default hidden / heads)
 * @param ropeScaling    {@code rope_scaling}: none, {@code linear} or {@code llama3}
 * @param attentionBias  {@code attention_bias}: biases on q, k, v and o
 * @param mlpBias        {@code mlp_bias}: biases on gate, up and down
 */
public record LlamaConfig(int hiddenSize, int layers, int heads, int kvHeads, int headDim, int intermediateSize, int vocabSize,
                          double ropeTheta, RopeScaling ropeScaling, double rmsEps, boolean tiedEmbeddings,
                          boolean attentionBias, boolean mlpBias, int maxPositions) {

    public static final String MODEL_TYPE = "llama";

    public LlamaConfig {
        if (heads % kvHeads != 0) throw new IrisException("config.json: num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        if (headDim % 2 != 0) throw new IrisException("config.json: head_dim " + headDim + " is odd; rotary embeddings need an even head size");
        if (ropeScaling == null) ropeScaling = RopeScaling.NONE;
    }

    public static LlamaConfig read(Path file) {
        return of(Json.readObject(file), file.toString());
    }

    /** The config of a parsed {@code config.json}; {@code source} names it in errors. */
    public static LlamaConfig of(Map<String, Object> m, String source) {
        Object modelType = m.get("model_type");
        // a Qwen2 folder has the same field names, but its q/k/v biases would be lost read as Llama
        if (modelType != null && !MODEL_TYPE.equals(modelType)) {
            throw new IrisException(source + ": model_type is \"" + modelType + "\", not \"llama\"; this folder is not a Llama checkpoint"
                    + ("qwen2".equals(modelType) ? " (use type: qwen2 for it)" : ""));
        }
        Object act = m.get("hidden_act");
        if (act != null && !"silu".equals(act)) {
            throw new IrisException(source + ": hidden_act is \"" + act + "\"; the Llama decoder supports silu only");
        }
        int hidden = integer(m, source, "hidden_size", null);
        int heads = integer(m, source, "num_attention_heads", null);
        if (hidden % heads != 0 && m.get("head_dim") == null) {
            throw new IrisException(source + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads + " and there is no head_dim");
        }
        // transformers 5 moved rope_theta and the scaling into one rope_parameters object
        Map<String, Object> ropeParameters = object(m, source, "rope_parameters");
        double theta = ropeParameters != null && ropeParameters.get("rope_theta") != null
                ? number(ropeParameters, source, "rope_parameters", "rope_theta", null)
                : number(m, source, "", "rope_theta", 10000.0);
        RopeScaling scaling = ropeParameters != null ? ropeScaling(ropeParameters, source, "rope_parameters")
                : ropeScaling(object(m, source, "rope_scaling"), source, "rope_scaling");
        return new LlamaConfig(
                hidden,
                integer(m, source, "num_hidden_layers", null),
                heads,
                integer(m, source, "num_key_value_heads", heads),
                integer(m, source, "head_dim", hidden / Math.max(heads, 1)),
                integer(m, source, "intermediate_size", null),
                integer(m, source, "vocab_size", null),
                theta,
                scaling,
                number(m, source, "", "rms_norm_eps", 1e-6),
                bool(m, source, "tie_word_embeddings", false),
                bool(m, source, "attention_bias", false),
                bool(m, source, "mlp_bias", false),
                integer(m, source, "max_position_embeddings", 2048));
    }

    /**
     * {@code rope_scaling} (or transformers 5's {@code rope_parameters}): its type under
     * {@code rope_type} (or the older {@code type}); {@code default} and no object mean none.
     */
    static RopeScaling ropeScaling(Map<String, Object> s, String source, String key) {
        if (s == null) return RopeScaling.NONE;
        String typeKey = s.containsKey("rope_type") ? "rope_type" : "type";
        Object type = s.get(typeKey);
        if (type == null) {
            if (key.equals("rope_parameters")) return RopeScaling.NONE;
            throw new IrisException(source + ": " + key + ".rope_type is missing (found " + s.keySet() + "); expected default, linear or llama3");
        }
        return switch (String.valueOf(type)) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear(positive(s, source, key, "factor"));
            case "llama3" -> {
                double factor = positive(s, source, key, "factor");
                double low = positive(s, source, key, "low_freq_factor");
                double high = positive(s, source, key, "high_freq_factor");
                int original = integer(s, source, key + ".", "original_max_position_embeddings", null);
                if (high <= low) {
                    throw new IrisException(source + ": " + key + ".high_freq_factor " + high + " must be larger than low_freq_factor " + low);
                }
                yield new RopeScaling.Llama3(factor, low, high, original);
            }
            default -> throw new IrisException(source + ": " + key + "." + typeKey + " is \"" + type
                    + "\", which Iris does not support; expected default, linear or llama3");
        };
    }

    private static double positive(Map<String, Object> s, String source, String key, String field) {
        double v = number(s, source, key, field, null);
        if (!(v > 0) || Double.isInfinite(v)) throw new IrisException(source + ": " + key + "." + field + " must be a positive number, found " + s.get(field));
        return v;
    }

    private static int integer(Map<String, Object> m, String source, String key, Integer dflt) {
        return integer(m, source, "", key, dflt);
    }

    private static int integer(Map<String, Object> m, String source, String prefix, String key, Integer dflt) {
        Object v = m.get(key);
        if (v == null) {
            if (dflt == null) throw new IrisException(source + ": required field '" + prefix + key + "' is missing");
            return dflt;
        }
        if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IrisException(source + ": field '" + prefix + key + "' must be a positive integer, found " + v);
    }

    private static double number(Map<String, Object> m, String source, String section, String key, Double dflt) {
        String name = section.isEmpty() ? key : section + "." + key;
        Object v = m.get(key);
        if (v == null) {
            if (dflt == null) throw new IrisException(source + ": required field '" + name + "' is missing");
            return dflt;
        }
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) return n.doubleValue();
        throw new IrisException(source + ": field '" + name + "' must be a number, found " + v);
    }

    private static boolean bool(Map<String, Object> m, String source, String key, boolean dflt) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IrisException(source + ": field '" + key + "' must be true or false, found " + v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> m, String source, String key) {
        Object v = m.get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> o) return (Map<String, Object>) o;
        throw new IrisException(source + ": field '" + key + "' must be an object, found " + v);
    }
}
