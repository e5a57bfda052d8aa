package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * The gated MLP of Llama, Qwen2 and Mistral: {@code down(act(gate(x)) * up(x))}, with biases on
 * all three projections only when a config asks for them (Llama's {@code mlp_bias}).
 *
 * @param activation SiLU for every family named above
 * @param bias       whether gate, up and down have a {@code .bias}
 */
public record SwiGluMlp(int hiddenSize, int intermediateSize, Activation activation, String gate, String up, String down, boolean bias) implements Mlp {

    /** Llama's names ({@code mlp.gate_proj}, {@code mlp.up_proj}, {@code mlp.down_proj}) with SiLU, no biases. */
    public static SwiGluMlp llama(int hiddenSize, int intermediateSize) {
        return llama(hiddenSize, intermediateSize, false);
    }

    /** Llama's names with SiLU; {@code bias} true for a config with {@code mlp_bias: true}. */
    public static SwiGluMlp llama(int hiddenSize, int intermediateSize, boolean bias) {
        return new SwiGluMlp(hiddenSize, intermediateSize, Activation.SILU, "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", bias);
    }

    public SwiGluMlp {
        if (hiddenSize <= 0 || intermediateSize <= 0) {
            throw new IllegalArgumentException("MLP sizes must be positive: hidden " + hiddenSize + ", intermediate " + intermediateSize);
        }
    }

    /** Without biases. */
    public SwiGluMlp(int hiddenSize, int intermediateSize, Activation activation, String gate, String up, String down) {
        this(hiddenSize, intermediateSize, activation, gate, up, down, false);
    }

    @Override
    public Value apply(GraphBuilder g, Weights w, Value x) {
        Value gated = w.linear(g, x, gate, intermediateSize, hiddenSize, bias);
        Value lifted = w.linear(g, x, up, intermediateSize, hiddenSize, bias);
        return w.linear(g, g.mul(activation.apply(g, gated), lifted), down, hiddenSize, intermediateSize, bias);
    }
}
