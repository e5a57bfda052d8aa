package dev.iris.api.spi;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * A decoder-only language model. Weights are requested by name in group {@code llm}.
 * (The generation-facing parts, tokenizer and chat template, arrive with the first LLM plugin.)
 */
public interface LanguageModel {
    /** Width of the token embeddings and hidden states. */
    int hiddenSize();

    int vocabSize();

    /** Token ids [B, T] (int64) to embeddings [B, T, hiddenSize]. */
    Value embed(GraphBuilder g, Value ids);
}
