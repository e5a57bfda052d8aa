package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * A pre-norm decoder layer of the Llama family (Llama, Qwen2, Mistral, SmolLM2):
 * {@code x + attn(rms1(x))} with grouped-query attention, rotary positions and a KV cache, then
 * {@code x + mlp(rms2(x))} with a SwiGLU MLP. Qwen2 differs from Llama only in its q/k/v biases.
 *
 * @param norm1 name of the RMS norm before attention ({@code input_layernorm})
 * @param norm2 name of the RMS norm before the MLP ({@code post_attention_layernorm})
 */
public record DecoderBlock(Attention attention, Mlp mlp, double rmsEps, String norm1, String norm2) {

    /**
     * Which projections of a Llama-family layer carry a bias.
     *
     * @param qkv    q, k and v ({@code attention_bias} in Llama; always in Qwen2)
     * @param output the attention's output projection ({@code attention_bias} in Llama; never in Qwen2)
     * @param mlp    gate, up and down ({@code mlp_bias} in Llama)
     */
    public record Biases(boolean qkv, boolean output, boolean mlp) {
        /** Llama's default and Llama 2/3, SmolLM2, TinyLlama: no biases. */
        public static final Biases NONE = new Biases(false, false, false);
        /** Qwen2: biased q, k and v only. */
        public static final Biases QKV = new Biases(true, false, false);
    }

    /** Llama's layer under Hugging Face's names; {@code qkvBias} true gives Qwen2's. */
    public static DecoderBlock llama(int hiddenSize, int heads, int kvHeads, int headDim, int intermediateSize, boolean qkvBias, double rmsEps) {
        return llama(hiddenSize, heads, kvHeads, headDim, intermediateSize, qkvBias ? Biases.QKV : Biases.NONE, rmsEps);
    }

    /** Llama's layer under Hugging Face's names with the projections' biases as {@code biases} says. */
    public static DecoderBlock llama(int hiddenSize, int heads, int kvHeads, int headDim, int intermediateSize, Biases biases, double rmsEps) {
        Attention attention = new Attention(hiddenSize, heads, kvHeads, headDim, biases.qkv(), biases.output(), Attention.Names.LLAMA);
        return new DecoderBlock(attention, SwiGluMlp.llama(hiddenSize, intermediateSize, biases.mlp()), rmsEps,
                "input_layernorm", "post_attention_layernorm");
    }

    /**
     * One layer over {@code x} [B, T, D]; {@code w} holds the layer's weights by their names inside
     * it. The output's keys and values are this layer's cache after the step.
     */
    public Attention.Output apply(GraphBuilder g, Weights w, Value x, Value mask, Attention.Rope rope, Value pastKeys, Value pastValues) {
        long d = attention.hiddenSize();
        Value h = g.rmsNorm(x, w.get(norm1 + ".weight", d), rmsEps);
        Attention.Output a = attention.apply(g, w, h, mask, rope, pastKeys, pastValues);
        x = g.add(x, a.output());
        Value h2 = g.rmsNorm(x, w.get(norm2 + ".weight", d), rmsEps);
        return new Attention.Output(g.add(x, mlp.apply(g, w, h2)), a.keys(), a.values());
    }
}
