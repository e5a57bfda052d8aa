package dev.iris.common.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole Llama-family decoder: the weights each bias choice and head asks for, the rope scaling it records, its cache check. */
class DecoderStackTest {

    private static Graph build(DecoderStack stack, List<Value> past) {
        return build(stack, past, new GraphBuilder());
    }

    private static Graph build(DecoderStack stack, List<Value> past, GraphBuilder g) {
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        var out = stack.decode(g, new LanguageModel.DecoderInput(stack.embed(g, ids), pos, null, past, past, null));
        g.output("logits", stack.logits(g, out.hidden()));
        return g.build();
    }

    @Test
    void biasesAndAnUntiedHeadAskForTheirWeights() {
        DecoderBlock block = DecoderBlock.llama(16, 4, 2, 4, 24, new DecoderBlock.Biases(false, true, true), 1e-5);
        Graph graph = build(new DecoderStack("llm", 30, 1, block, 10000.0, RopeScaling.NONE, false), List.of());
        assertThat(graph.weights().keySet()).containsExactly(
                "llm/model.embed_tokens.weight",
                "llm/model.layers.0.input_layernorm.weight",
                "llm/model.layers.0.self_attn.q_proj.weight", "llm/model.layers.0.self_attn.k_proj.weight",
                "llm/model.layers.0.self_attn.v_proj.weight",
                "llm/model.layers.0.self_attn.o_proj.weight", "llm/model.layers.0.self_attn.o_proj.bias",
                "llm/model.layers.0.post_attention_layernorm.weight",
                "llm/model.layers.0.mlp.gate_proj.weight", "llm/model.layers.0.mlp.gate_proj.bias",
                "llm/model.layers.0.mlp.up_proj.weight", "llm/model.layers.0.mlp.up_proj.bias",
                "llm/model.layers.0.mlp.down_proj.weight", "llm/model.layers.0.mlp.down_proj.bias",
                "llm/model.norm.weight",
                "llm/lm_head.weight");
    }

    @Test
    void everyRotaryCarriesTheStacksScaling() {
        RopeScaling scaling = new RopeScaling.Llama3(8.0, 1.0, 4.0, 64);
        DecoderBlock block = DecoderBlock.llama(16, 4, 2, 4, 24, DecoderBlock.Biases.NONE, 1e-5);
        Graph graph = build(new DecoderStack("llm", 30, 2, block, 500000.0, scaling, true), List.of());
        List<Op.Rotary> rotaries = graph.nodes().stream().map(Graph.Node::op).filter(Op.Rotary.class::isInstance).map(Op.Rotary.class::cast).toList();
        assertThat(rotaries).hasSize(4);   // queries and keys of two layers
        assertThat(rotaries).allSatisfy(r -> {
            assertThat(r.theta()).isEqualTo(500000.0);
            assertThat(r.scaling()).isEqualTo(scaling);
        });
        assertThat(graph.weights().keySet()).doesNotContain("llm/lm_head.weight");
    }

    @Test
    void aCacheOfTheWrongDepthIsRefused() {
        DecoderBlock block = DecoderBlock.llama(16, 4, 2, 4, 24, DecoderBlock.Biases.NONE, 1e-5);
        DecoderStack stack = new DecoderStack("llm", 30, 2, block, 10000.0, null, true);
        assertThat(stack.ropeScaling()).isEqualTo(RopeScaling.NONE);
        GraphBuilder g = new GraphBuilder();
        Value past = g.input("past", DType.F32, 1L, 2L, "past", 4L);
        assertThatThrownBy(() -> build(stack, List.of(past), g)).hasMessage("KV cache has 1 layers, the model has 2");
    }
}
