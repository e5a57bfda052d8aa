package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;

/**
 * The graph half of a Llama-family {@link LanguageModel}: sizes, embedding, layers and head, all
 * read off one {@link DecoderStack}. A family plugin extends it with its text half (tokenizer,
 * chat template, stop ids, image token), so its config reader decides the stack and nothing else
 * about the graph is written again per family.
 */
public abstract class DecoderLanguageModel implements LanguageModel {
    private final DecoderStack stack;
    private final int maxPositions;

    /** @param maxPositions {@code max_position_embeddings}, which the stack itself does not need */
    protected DecoderLanguageModel(DecoderStack stack, int maxPositions) {
        this.stack = stack;
        this.maxPositions = maxPositions;
    }

    public final DecoderStack stack() {
        return stack;
    }

    @Override
    public final int hiddenSize() {
        return stack.hiddenSize();
    }

    @Override
    public final int vocabSize() {
        return stack.vocabSize();
    }

    @Override
    public final int layers() {
        return stack.layers();
    }

    @Override
    public final int kvHeads() {
        return stack.block().attention().kvHeads();
    }

    @Override
    public final int headDim() {
        return stack.block().attention().headDim();
    }

    @Override
    public final int maxPositions() {
        return maxPositions;
    }

    @Override
    public final double normEps() {
        return stack.block().rmsEps();
    }

    @Override
    public final Value embed(GraphBuilder g, Value ids) {
        return stack.embed(g, ids);
    }

    @Override
    public final Decoded decode(GraphBuilder g, DecoderInput in) {
        return stack.decode(g, in);
    }

    @Override
    public final Value logits(GraphBuilder g, Value hidden) {
        return stack.logits(g, hidden);
    }
}
