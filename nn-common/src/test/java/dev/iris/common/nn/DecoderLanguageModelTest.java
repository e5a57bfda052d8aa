package dev.iris.common.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The graph half of a language model reads every size off its stack and builds the stack's graph. */
class DecoderLanguageModelTest {

    /** A family with no text side: only what DecoderLanguageModel leaves abstract. */
    static final class Bare extends DecoderLanguageModel {
        Bare(DecoderStack stack, int maxPositions) {
            super(stack, maxPositions);
        }

        @Override public TextTokenizer tokenizer() { throw new UnsupportedOperationException(); }
        @Override public ChatTemplate chatTemplate() { throw new UnsupportedOperationException(); }
        @Override public Set<Long> stopTokenIds() { throw new UnsupportedOperationException(); }
        @Override public ImageToken imageToken() { throw new UnsupportedOperationException(); }
    }

    @Test
    void sizesComeFromTheStack() {
        // head size 6 apart from hidden / heads (16 / 4), as Llama 3.2's head_dim is
        DecoderBlock block = DecoderBlock.llama(16, 4, 2, 6, 24, DecoderBlock.Biases.QKV, 1e-5);
        DecoderStack stack = new DecoderStack("llm", 30, 3, block, 10000.0, RopeScaling.NONE, true);
        Bare lm = new Bare(stack, 512);
        assertThat(List.of(lm.hiddenSize(), lm.vocabSize(), lm.layers(), lm.kvHeads(), lm.headDim(), lm.maxPositions()))
                .containsExactly(16, 30, 3, 2, 6, 512);
        assertThat(lm.normEps()).isEqualTo(1e-5);
        assertThat(lm.stack()).isSameAs(stack);
    }

    @Test
    void theGraphIsTheStacksGraph() {
        DecoderBlock block = DecoderBlock.llama(16, 4, 2, 4, 24, DecoderBlock.Biases.NONE, 1e-6);
        DecoderStack stack = new DecoderStack("llm", 30, 2, block, 10000.0, RopeScaling.NONE, false);
        String viaModel = GraphText.render(graph(new Bare(stack, 64)));
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        var out = stack.decode(g, new LanguageModel.DecoderInput(stack.embed(g, ids), pos, null, List.of(), List.of(), null));
        g.output("logits", stack.logits(g, out.hidden()));
        assertThat(viaModel).isEqualTo(GraphText.render(g.build())).contains("lm_head.weight");
    }

    private static dev.iris.api.graph.Graph graph(LanguageModel lm) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        var out = lm.decode(g, new LanguageModel.DecoderInput(lm.embed(g, ids), pos, null, List.of(), List.of(), null));
        g.output("logits", lm.logits(g, out.hidden()));
        return g.build();
    }
}
