package dev.iris.vision.siglip;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.common.nn.Activation;
import dev.iris.common.nn.VitBlock;
import dev.iris.common.nn.Weights;
import dev.iris.common.vision.VitEmbeddings;
import java.util.Objects;

/**
 * The SigLIP vision transformer described through the graph interface, with the weights under
 * their Hugging Face checkpoint names ({@code vision_model.*}, group {@code vision}): patch
 * embedding (a stride-p convolution) plus learned position embeddings, pre-norm encoder layers of
 * bidirectional multi-head attention and a tanh-GELU MLP (nn-common's {@link VitBlock}), then the
 * post layer norm. The result is Hugging Face's {@code last_hidden_state}; the attention-pooling
 * head ({@code vision_model.head.*}) is never requested, since a vision-language model reads
 * every patch token.
 */
public final class SiglipVisionTower {
    public static final String GROUP = "vision";
    public static final String PREFIX = "vision_model.";

    private final SiglipVisionConfig c;
    private final VitBlock block;
    private final VitEmbeddings embeddings;

    public SiglipVisionTower(SiglipVisionConfig config) {
        this.c = Objects.requireNonNull(config, "config");
        this.block = VitBlock.standard(c.hiddenSize(), c.heads(), c.intermediateSize(),
                Activation.fromHuggingFace(c.hiddenAct()), c.layerNormEps());
        this.embeddings = new VitEmbeddings(c, "SigLIP", GROUP, PREFIX);
    }

    public SiglipVisionConfig config() {
        return c;
    }

    private Value w(GraphBuilder g, String name, long... shape) {
        return embeddings.weight(g, name, shape);
    }

    /** Pixels [B, C, H, W] to {@code last_hidden_state} [B, N, D]. */
    public Value forward(GraphBuilder g, Value pixels) {
        Value x = embeddings(g, pixels);
        for (int i = 0; i < c.layers(); i++) x = layer(g, x, i);
        return g.layerNorm(x, w(g, "post_layernorm.weight", c.hiddenSize()), w(g, "post_layernorm.bias", c.hiddenSize()),
                c.layerNormEps());
    }

    /** Patch embedding plus position embedding: [B, C, H, W] to [B, N, D]. */
    public Value embeddings(GraphBuilder g, Value pixels) {
        return embeddings.withPositions(g, embeddings.patches(g, pixels, true), c.patches());
    }

    /** One pre-norm encoder layer: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    public Value layer(GraphBuilder g, Value x, int i) {
        return block.apply(g, Weights.of(g, GROUP, PREFIX + "encoder.layers." + i + "."), x);
    }
}
