package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * The gated MLP of Llama, Qwen2 and Mistral: {@code down(act(gate(x)) * up(x))}, no biases.
 *
 * @param activation SiLU for every family named above
 */
public record SwiGluMlp(int hiddenSize, int intermediateSize, Activation activation, String gate, String up, String down) implements Mlp {

    /** Llama's names ({@code mlp.gate_proj}, {@code mlp.up_proj}, {@code mlp.down_proj}) with SiLU. */
    public static SwiGluMlp llama(int hiddenSize, int intermediateSize) {
        return new SwiGluMlp(hiddenSize, intermediateSize, Activation.SILU, "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
    }

    public SwiGluMlp {
        if (hiddenSize <= 0 || intermediateSize <= 0) {
            throw new IllegalArgumentException("MLP sizes must be positive: hidden " + hiddenSize + ", intermediate " + intermediateSize);
        }
    }

    @Override
    public Value apply(GraphBuilder g, Weights w, Value x) {
        Value gated = w.linear(g, x, gate, intermediateSize, hiddenSize, false);
        Value lifted = w.linear(g, x, up, intermediateSize, hiddenSize, false);
        return w.linear(g, g.mul(activation.apply(g, gated), lifted), down, hiddenSize, intermediateSize, false);
    }
}
