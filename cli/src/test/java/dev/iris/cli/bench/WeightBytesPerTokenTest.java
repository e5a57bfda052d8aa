package dev.iris.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bench's bytes read per decoded token come from the graph's structure, not from weight
 * names: a table that is only looked up costs one row per token, a weight any other operation
 * reads costs all of it (figures counted by hand for a one-layer model).
 */
class WeightBytesPerTokenTest {
    static final int VOCAB = 50, D = 8;

    @Test
    void anEmbeddingOnlyLookedUpCostsOneRowAndAnUntiedHeadCostsAll() {
        long expected = 4L * (D + D * D + VOCAB * D);   // one embedding row, the layer, the head
        assertThat(WeightBytesPerToken.of(new OneLayer(false))).isEqualTo(expected);
    }

    @Test
    void aTiedHeadReadsTheWholeTable() {
        long expected = 4L * (VOCAB * D + D * D);       // the table as the head, the layer
        assertThat(WeightBytesPerToken.of(new OneLayer(true))).isEqualTo(expected);
    }

    /** Embedding, one linear layer, and a head that is the embedding table or a weight of its own; the names say nothing. */
    record OneLayer(boolean tied) implements LanguageModel {
        @Override public int hiddenSize() { return D; }
        @Override public int vocabSize() { return VOCAB; }
        @Override public int layers() { return 1; }
        @Override public int kvHeads() { return 1; }
        @Override public int headDim() { return D; }
        @Override public int maxPositions() { return 16; }
        @Override public double normEps() { return 1e-6; }
        @Override public TextTokenizer tokenizer() { throw new UnsupportedOperationException(); }
        @Override public ChatTemplate chatTemplate() { throw new UnsupportedOperationException(); }
        @Override public Set<Long> stopTokenIds() { return Set.of(); }
        @Override public ImageToken imageToken() { return new ImageToken("<image>", VOCAB - 1); }

        private static Value table(GraphBuilder g) {
            return g.weight("llm", "a", Init.normal(1), VOCAB, D);
        }

        @Override
        public Value embed(GraphBuilder g, Value ids) {
            return g.gather(table(g), ids);
        }

        @Override
        public Decoded decode(GraphBuilder g, DecoderInput in) {
            Value h = g.linear(in.embeddings(), g.weight("llm", "b", Init.normal(1), D, D), null);
            return new Decoded(h, List.of(), List.of());
        }

        @Override
        public Value logits(GraphBuilder g, Value hidden) {
            return g.linear(hidden, tied ? table(g) : g.weight("llm", "c", Init.normal(1), VOCAB, D), null);
        }
    }
}
