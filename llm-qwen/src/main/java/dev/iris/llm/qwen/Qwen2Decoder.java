package dev.iris.llm.qwen;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.nn.Attention;
import dev.iris.common.nn.DecoderBlock;
import dev.iris.common.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2 decoder (Qwen2 and Qwen2.5) described through the graph interface, with the
 * weights under their Hugging Face names: pre-norm layers of grouped-query attention with
 * rotary embeddings and biased q/k/v projections, then a SwiGLU MLP: the Llama layer of
 * nn-common's {@link DecoderBlock} with q/k/v biases.
 */
public final class Qwen2Decoder {
    static final String GROUP = "llm";

    private final Qwen2Config c;
    private final DecoderBlock block;

    public Qwen2Decoder(Qwen2Config config) {
        this.c = config;
        // Llama's layer with biased q/k/v projections
        this.block = DecoderBlock.llama(c.hiddenSize(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(), true, c.rmsEps());
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
        Attention.Rope rope = new Attention.Rope(in.positions(), c.ropeTheta());
        List<Value> keys = new ArrayList<>(), values = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            Attention.Output layer = block.apply(g, Weights.of(g, GROUP, "model.layers." + i + "."), x, in.mask(), rope,
                    cached ? in.pastKeys().get(i) : null, cached ? in.pastValues().get(i) : null);
            keys.add(layer.keys());
            values.add(layer.values());
            x = in.hook().afterLayer(g, i, layer.output());
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
}
