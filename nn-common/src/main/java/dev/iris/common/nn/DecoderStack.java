package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole Llama-family decoder (Llama, Qwen2, Mistral, SmolLM2) under Hugging Face's
 * {@code LlamaForCausalLM} names: {@code model.embed_tokens}, {@code layers} copies of
 * {@link DecoderBlock} at {@code model.layers.<i>.}, the final RMS norm {@code model.norm} and
 * the head ({@code lm_head}, or the embedding table when tied). A family plugin is its config
 * reader plus one of these.
 *
 * @param group          the weight group the checkpoint binds to ({@code llm})
 * @param vocabSize      rows of the embedding table and of the head
 * @param layers         decoder layers
 * @param block          every layer's shape (sizes, biases, norm epsilon)
 * @param ropeTheta      rotary base
 * @param ropeScaling    rotary frequency scaling ({@link RopeScaling#NONE} for none)
 * @param tiedEmbeddings whether the head reuses {@code model.embed_tokens.weight}
 */
public record DecoderStack(String group, int vocabSize, int layers, DecoderBlock block, double ropeTheta, RopeScaling ropeScaling,
                           boolean tiedEmbeddings) {

    public DecoderStack {
        if (vocabSize <= 0 || layers <= 0) throw new IllegalArgumentException("decoder sizes must be positive: vocabulary " + vocabSize + ", layers " + layers);
        if (ropeScaling == null) ropeScaling = RopeScaling.NONE;
    }

    public int hiddenSize() {
        return block.attention().hiddenSize();
    }

    private Value w(GraphBuilder g, String name, long... shape) {
        return g.weight(group, name, shape);
    }

    /** Token ids [B, T] to embeddings [B, T, D]. */
    public Value embed(GraphBuilder g, Value ids) {
        return g.gather(w(g, "model.embed_tokens.weight", vocabSize, hiddenSize()), ids);
    }

    /** The layers, each followed by the input's hook, then the final norm. */
    public LanguageModel.Decoded decode(GraphBuilder g, LanguageModel.DecoderInput in) {
        boolean cached = !in.pastKeys().isEmpty();
        if (cached && (in.pastKeys().size() != layers || in.pastValues().size() != layers)) {
            throw new IllegalArgumentException("KV cache has " + in.pastKeys().size() + " layers, the model has " + layers);
        }
        Value x = in.embeddings();
        Attention.Rope rope = new Attention.Rope(in.positions(), ropeTheta, ropeScaling);
        List<Value> keys = new ArrayList<>(), values = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            Attention.Output layer = block.apply(g, Weights.of(g, group, "model.layers." + i + "."), x, in.mask(), rope,
                    cached ? in.pastKeys().get(i) : null, cached ? in.pastValues().get(i) : null);
            keys.add(layer.keys());
            values.add(layer.values());
            x = in.hook().afterLayer(g, i, layer.output());
        }
        Value out = g.rmsNorm(x, w(g, "model.norm.weight", hiddenSize()), block.rmsEps());
        return new LanguageModel.Decoded(out, keys, values);
    }

    /** Hidden states [..., D] to logits [..., vocabSize]. */
    public Value logits(GraphBuilder g, Value hidden) {
        Value head = tiedEmbeddings
                ? w(g, "model.embed_tokens.weight", vocabSize, hiddenSize())
                : w(g, "lm_head.weight", vocabSize, hiddenSize());
        return g.linear(hidden, head, null);
    }
}
