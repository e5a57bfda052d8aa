package dev.iris.llm.qwen;

import dev.iris.api.IrisException;
import dev.iris.api.json.Json;
import java.nio.file.Path;
import java.util.Map;

/** The fields of a Qwen2 / Qwen2.5 {@code config.json} that the decoder needs. */
public record Qwen2Config(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize, int vocabSize,
                          double ropeTheta, double rmsEps, boolean tiedEmbeddings, int maxPositions) {

    public Qwen2Config {
        if (hiddenSize % heads != 0) throw new IrisException("config.json: hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        if (heads % kvHeads != 0) throw new IrisException("config.json: num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public static Qwen2Config read(Path file) {
        Map<String, Object> m = Json.readObject(file);
        // a Llama (or other) checkpoint has the same field names; read as Qwen2 it would lose its q/k/v biases silently
        Object modelType = m.get("model_type");
        if (modelType != null && !"qwen2".equals(modelType)) {
            throw new IrisException(file + ": model_type is \"" + modelType + "\", not \"qwen2\"; this folder is not a Qwen2 checkpoint"
                    + ("llama".equals(modelType) ? " (use type: llama for it)" : ""));
        }
        int heads = integer(m, file, "num_attention_heads", null);
        return new Qwen2Config(
                integer(m, file, "hidden_size", null),
                integer(m, file, "num_hidden_layers", null),
                heads,
                integer(m, file, "num_key_value_heads", heads),
                integer(m, file, "intermediate_size", null),
                integer(m, file, "vocab_size", null),
                number(m, file, "rope_theta", 10000.0),
                number(m, file, "rms_norm_eps", 1e-6),
                m.get("tie_word_embeddings") instanceof Boolean b ? b : false,   // Qwen2Config's default
                integer(m, file, "max_position_embeddings", 32768));
    }

    private static int integer(Map<String, Object> m, Path file, String key, Integer dflt) {
        Object v = m.get(key);
        if (v == null) {
            if (dflt == null) throw new IrisException(file + ": required field '" + key + "' is missing");
            return dflt;
        }
        if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IrisException(file + ": field '" + key + "' must be a positive integer, found " + v);
    }

    private static double number(Map<String, Object> m, Path file, String key, double dflt) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw new IrisException(file + ": field '" + key + "' must be a number, found " + v);
    }
}
