package dev.iris.llm.qwen;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2 decoder (Qwen2 and Qwen2.5) described through the graph interface, with the
 * weights under their Hugging Face names: pre-norm layers of grouped-query attention with
 * rotary embeddings and biased q/k/v projections, then a SwiGLU MLP.
 */
public final class Qwen2Decoder {
    static final String GROUP = "llm";

    private final Qwen2Config c;

    public Qwen2Decoder(Qwen2Config config) {
        this.c = config;
    }

    public Qwen2Config config() {
        return c;
    }

    private Value w(GraphBuilder g, String name, long... shape) {
        return g.weight(GROUP, name, shape);
    }

    public Value embed(GraphBuilder g, Value ids) {
        return g.gather(w(g, "model.embed_tokens.weight", c.vocabSize(), c.hiddenSize()), ids);
    }

    public LanguageModel.Decoded decode(GraphBuilder g, LanguageModel.DecoderInput in) {
        boolean cached = !in.pastKeys().isEmpty();
        if (cached && (in.pastKeys().size() != c.layers() || in.pastValues().size() != c.layers())) {
            throw new IllegalArgumentException("KV cache has " + in.pastKeys().size() + " layers, the model has " + c.layers());
        }
        Value x = in.embeddings();
        List<Value> keys = new ArrayList<>(), values = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            Value h = g.rmsNorm(x, w(g, p + "input_layernorm.weight", c.hiddenSize()), c.rmsEps());
            Value q = heads(g, g.linear(h, w(g, p + "self_attn.q_proj.weight", (long) c.heads() * c.headDim(), c.hiddenSize()),
                    w(g, p + "self_attn.q_proj.bias", (long) c.heads() * c.headDim())), c.heads());
            Value k = heads(g, g.linear(h, w(g, p + "self_attn.k_proj.weight", (long) c.kvHeads() * c.headDim(), c.hiddenSize()),
                    w(g, p + "self_attn.k_proj.bias", (long) c.kvHeads() * c.headDim())), c.kvHeads());
            Value v = heads(g, g.linear(h, w(g, p + "self_attn.v_proj.weight", (long) c.kvHeads() * c.headDim(), c.hiddenSize()),
                    w(g, p + "self_attn.v_proj.bias", (long) c.kvHeads() * c.headDim())), c.kvHeads());
            q = g.rotary(q, in.positions(), c.ropeTheta());
            k = g.rotary(k, in.positions(), c.ropeTheta());
            if (cached) {
                k = g.concat(2, in.pastKeys().get(i), k);
                v = g.concat(2, in.pastValues().get(i), v);
            }
            keys.add(k);
            values.add(v);
            Value attn = g.attention(q, k, v, in.mask(), 1.0 / Math.sqrt(c.headDim()));
            Value merged = g.reshape(g.transpose(attn, 0, 2, 1, 3), 0, 0, (long) c.heads() * c.headDim());
            x = g.add(x, g.linear(merged, w(g, p + "self_attn.o_proj.weight", c.hiddenSize(), (long) c.heads() * c.headDim()), null));
            Value h2 = g.rmsNorm(x, w(g, p + "post_attention_layernorm.weight", c.hiddenSize()), c.rmsEps());
            Value gate = g.linear(h2, w(g, p + "mlp.gate_proj.weight", c.intermediateSize(), c.hiddenSize()), null);
            Value up = g.linear(h2, w(g, p + "mlp.up_proj.weight", c.intermediateSize(), c.hiddenSize()), null);
            x = g.add(x, g.linear(g.mul(g.silu(gate), up), w(g, p + "mlp.down_proj.weight", c.hiddenSize(), c.intermediateSize()), null));
            x = in.hook().afterLayer(g, i, x);
        }
        Value out = g.rmsNorm(x, w(g, "model.norm.weight", c.hiddenSize()), c.rmsEps());
        return new LanguageModel.Decoded(out, keys, values);
    }

    public Value logits(GraphBuilder g, Value hidden) {
        Value head = c.tiedEmbeddings()
                ? w(g, "model.embed_tokens.weight", c.vocabSize(), c.hiddenSize())
                : w(g, "lm_head.weight", c.vocabSize(), c.hiddenSize());
        return g.linear(hidden, head, null);
    }

    /** [B, T, n*D] to [B, n, T, D]. */
    private Value heads(GraphBuilder g, Value x, int n) {
        return g.transpose(g.reshape(x, 0, 0, n, c.headDim()), 0, 2, 1, 3);
    }
}
