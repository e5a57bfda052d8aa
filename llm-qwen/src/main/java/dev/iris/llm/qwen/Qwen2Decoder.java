package dev.iris.llm.qwen;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.nn.DecoderBlock;
import dev.iris.common.nn.DecoderStack;

/**
 * The Qwen2 decoder (Qwen2 and Qwen2.5) described through the graph interface, with the
 * weights under their Hugging Face names: nn-common's Llama {@link DecoderStack} whose q/k/v
 * projections carry biases.
 */
public final class Qwen2Decoder {
    static final String GROUP = "llm";

    private final Qwen2Config c;
    private final DecoderStack stack;

    public Qwen2Decoder(Qwen2Config config) {
        this.c = config;
        DecoderBlock block = DecoderBlock.llama(c.hiddenSize(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(),
                DecoderBlock.Biases.QKV, c.rmsEps());
        this.stack = new DecoderStack(GROUP, c.vocabSize(), c.layers(), block, c.ropeTheta(), RopeScaling.NONE, c.tiedEmbeddings());
    }

    public Qwen2Config config() {
        return c;
    }

    public DecoderStack stack() {
        return stack;
    }

    public Value embed(GraphBuilder g, Value ids) {
        return stack.embed(g, ids);
    }

    public LanguageModel.Decoded decode(GraphBuilder g, LanguageModel.DecoderInput in) {
        return stack.decode(g, in);
    }

    public Value logits(GraphBuilder g, Value hidden) {
        return stack.logits(g, hidden);
    }
}
