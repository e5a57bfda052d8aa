package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.json.JsonFields;
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
        return of(JsonFields.read(file));
    }

    /** The config of a parsed {@code config.json}; {@code source} names it in errors. */
    public static LlamaConfig of(Map<String, Object> m, String source) {
        return of(JsonFields.of(m, source));
    }

    static LlamaConfig of(JsonFields f) {
        Object modelType = f.get("model_type");
        // a Qwen2 folder has the same field names, but its q/k/v biases would be lost read as Llama
        if (modelType != null && !MODEL_TYPE.equals(modelType)) {
            throw new IrisException(f.source() + ": model_type is \"" + modelType + "\", not \"llama\"; this folder is not a Llama checkpoint"
                    + ("qwen2".equals(modelType) ? " (use type: qwen2 for it)" : ""));
        }
        Object act = f.get("hidden_act");
        if (act != null && !"silu".equals(act)) {
            throw new IrisException(f.source() + ": hidden_act is \"" + act + "\"; the Llama decoder supports silu only");
        }
        int hidden = f.positiveInt("hidden_size");
        int heads = f.positiveInt("num_attention_heads");
        if (hidden % heads != 0 && f.get("head_dim") == null) {
            throw new IrisException(f.source() + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads + " and there is no head_dim");
        }
        // transformers 5 moved rope_theta and the scaling into one rope_parameters object
        JsonFields ropeParameters = f.object("rope_parameters");
        double theta = ropeParameters != null && ropeParameters.get("rope_theta") != null
                ? ropeParameters.positiveNumber("rope_theta")
                : f.positiveNumber("rope_theta", 10000.0);
        RopeScaling scaling = ropeParameters != null ? ropeScaling(ropeParameters, true) : ropeScaling(f.object("rope_scaling"), false);
        return new LlamaConfig(
                hidden,
                f.positiveInt("num_hidden_layers"),
                heads,
                f.positiveInt("num_key_value_heads", heads),
                f.positiveInt("head_dim", hidden / heads),
                f.positiveInt("intermediate_size"),
                f.positiveInt("vocab_size"),
                theta,
                scaling,
                f.positiveNumber("rms_norm_eps", 1e-6),
                f.bool("tie_word_embeddings", false),
                f.bool("attention_bias", false),
                f.bool("mlp_bias", false),
                f.positiveInt("max_position_embeddings", 2048));
    }

    /**
     * {@code rope_scaling} (or transformers 5's {@code rope_parameters}): its type under
     * {@code rope_type} (or the older {@code type}); {@code default} and no object mean none, as
     * does no type in {@code rope_parameters} (which may hold rope_theta alone).
     */
    static RopeScaling ropeScaling(JsonFields s, boolean ropeParameters) {
        if (s == null) return RopeScaling.NONE;
        String typeKey = s.map().containsKey("rope_type") ? "rope_type" : "type";
        Object type = s.get(typeKey);
        if (type == null) {
            if (ropeParameters) return RopeScaling.NONE;
            throw s.error(s.fullKey("rope_type") + " is missing (found " + s.map().keySet() + "); expected default, linear or llama3");
        }
        return switch (String.valueOf(type)) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear(s.positiveNumber("factor"));
            case "llama3" -> {
                double factor = s.positiveNumber("factor");
                double low = s.positiveNumber("low_freq_factor");
                double high = s.positiveNumber("high_freq_factor");
                int original = s.positiveInt("original_max_position_embeddings");
                if (high <= low) {
                    throw s.error(s.fullKey("high_freq_factor") + " " + high + " must be larger than low_freq_factor " + low);
                }
                yield new RopeScaling.Llama3(factor, low, high, original);
            }
            default -> throw s.error(s.fullKey(typeKey) + " is \"" + type + "\", which Iris does not support; expected default, linear or llama3");
        };
    }
}
