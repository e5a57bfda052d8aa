package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * A pre-norm ViT encoder layer (SigLIP, CLIP): {@code x + attn(ln1(x))}, then
 * {@code x + mlp(ln2(x))}, layer norms with bias, attention bidirectional (no mask, no positions).
 *
 * @param norm1 name of the first layer norm ({@code layer_norm1}); {@code .weight} and {@code .bias}
 * @param norm2 name of the second layer norm ({@code layer_norm2})
 */
public record VitBlock(Attention attention, Mlp mlp, double layerNormEps, String norm1, String norm2) {

    /**
     * SigLIP's and CLIP's layer: multi-head attention with biases everywhere and a two-layer MLP,
     * under Hugging Face's names.
     */
    public static VitBlock standard(int hiddenSize, int heads, int intermediateSize, Activation activation, double layerNormEps) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + heads + " heads");
        }
        Attention attention = new Attention(hiddenSize, heads, heads, hiddenSize / heads, true, true, Attention.Names.VIT);
        return new VitBlock(attention, TwoLayerMlp.vit(hiddenSize, intermediateSize, activation), layerNormEps, "layer_norm1", "layer_norm2");
    }

    /** One layer over {@code x} [B, N, D]; {@code w} holds the layer's weights by their names inside it. */
    public Value apply(GraphBuilder g, Weights w, Value x) {
        long d = attention.hiddenSize();
        Value h = g.layerNorm(x, w.get(norm1 + ".weight", d), w.get(norm1 + ".bias", d), layerNormEps);
        x = g.add(x, attention.apply(g, w, h));
        Value h2 = g.layerNorm(x, w.get(norm2 + ".weight", d), w.get(norm2 + ".bias", d), layerNormEps);
        return g.add(x, mlp.apply(g, w, h2));
    }
}
