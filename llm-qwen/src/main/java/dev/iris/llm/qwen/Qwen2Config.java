package dev.iris.llm.qwen;

import dev.iris.api.IrisException;
import dev.iris.api.json.JsonFields;
import java.nio.file.Path;

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
        JsonFields f = JsonFields.read(file);
        // a Llama (or other) checkpoint has the same field names; read as Qwen2 it would lose its q/k/v biases silently
        Object modelType = f.get("model_type");
        if (modelType != null && !"qwen2".equals(modelType)) {
            throw new IrisException(file + ": model_type is \"" + modelType + "\", not \"qwen2\"; this folder is not a Qwen2 checkpoint"
                    + ("llama".equals(modelType) ? " (use type: llama for it)" : ""));
        }
        int heads = f.positiveInt("num_attention_heads");
        return new Qwen2Config(
                f.positiveInt("hidden_size"),
                f.positiveInt("num_hidden_layers"),
                heads,
                f.positiveInt("num_key_value_heads", heads),
                f.positiveInt("intermediate_size"),
                f.positiveInt("vocab_size"),
                f.positiveNumber("rope_theta", 10000.0),
                f.positiveNumber("rms_norm_eps", 1e-6),
                f.bool("tie_word_embeddings", false),   // Qwen2Config's default
                f.positiveInt("max_position_embeddings", 32768));
    }
}
