package dev.iris.vision.clip;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.common.nn.Activation;
import dev.iris.common.nn.VitBlock;
import dev.iris.common.nn.Weights;
import dev.iris.common.vision.VitEmbeddings;
import java.util.Objects;

/**
 * The CLIP vision transformer ({@code CLIPVisionModel}) described through the graph interface,
 * with the weights under their Hugging Face checkpoint names ({@code vision_model.*}, group
 * {@code vision}): patch embedding (a stride-p convolution without bias), the learned class
 * embedding put before the patches, learned position embeddings, {@code pre_layrnorm} (Hugging
 * Face's spelling), then pre-norm encoder layers (nn-common's {@link VitBlock}: biased q/k/v/out
 * projections, {@code quick_gelu} or exact GELU MLP). {@code post_layernorm} only normalises the
 * pooled class token ({@link #pooled}); a vision-language model reads a hidden state instead
 * ({@link #features}), chosen by a {@link FeatureSelection}.
 */
public final class ClipVisionTower {
    public static final String GROUP = "vision";
    public static final String PREFIX = "vision_model.";

    private final ClipVisionConfig c;
    private final VitBlock block;
    private final VitEmbeddings embeddings;

    public ClipVisionTower(ClipVisionConfig config) {
        this.c = Objects.requireNonNull(config, "config");
        this.block = VitBlock.standard(c.hiddenSize(), c.heads(), c.intermediateSize(),
                Activation.fromHuggingFace(c.hiddenAct()), c.layerNormEps());
        this.embeddings = new VitEmbeddings(c, "CLIP", GROUP, PREFIX);
    }

    public ClipVisionConfig config() {
        return c;
    }

    private Value w(GraphBuilder g, String name, long... shape) {
        return embeddings.weight(g, name, shape);
    }

    /**
     * Hugging Face's {@code hidden_states[index]}, 0..layers: pixels [B, C, H, W] to [B, 1 + N, D]
     * (class token first). Only the first {@code index} encoder layers are described.
     */
    public Value hiddenState(GraphBuilder g, Value pixels, int index) {
        if (index < 0 || index > c.layers()) {
            throw new IllegalArgumentException("hidden state " + index + " of a tower with " + c.layers() + " layers");
        }
        long d = c.hiddenSize();
        Value x = g.layerNorm(embeddings(g, pixels), w(g, "pre_layrnorm.weight", d), w(g, "pre_layrnorm.bias", d),
                c.layerNormEps());
        for (int i = 0; i < index; i++) x = layer(g, x, i);
        return x;
    }

    /** The features a vision-language model reads: the selected hidden state, with or without the class token. */
    public Value features(GraphBuilder g, Value pixels, FeatureSelection selection, String key) {
        Value h = hiddenState(g, pixels, selection.resolve(c.layers(), key));
        return selection.strategy() == FeatureSelection.Strategy.FULL ? h : g.slice(h, 1, 1, 1L + c.patches());
    }

    /** {@code pooler_output} [B, D]: the last layer's class token through {@code post_layernorm}. */
    public Value pooled(GraphBuilder g, Value pixels) {
        long d = c.hiddenSize();
        Value cls = g.reshape(g.slice(hiddenState(g, pixels, c.layers()), 1, 0, 1), 0, d);
        return g.layerNorm(cls, w(g, "post_layernorm.weight", d), w(g, "post_layernorm.bias", d), c.layerNormEps());
    }

    /** Class token and patch embeddings plus position embeddings: [B, C, H, W] to [B, 1 + N, D]. */
    public Value embeddings(GraphBuilder g, Value pixels) {
        Value x = embeddings.patches(g, pixels, false);                         // CLIP's patch conv has no bias
        // the class embedding [D] becomes token 0 of every image: broadcast to [B, 1, D]
        Value cls = g.reshape(w(g, "embeddings.class_embedding", c.hiddenSize()), 1, 1, c.hiddenSize());
        Value tokens = g.concat(1, g.expandLike(cls, g.slice(x, 1, 0, 1)), x);
        return embeddings.withPositions(g, tokens, c.patches() + 1L);
    }

    /** One pre-norm encoder layer: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    public Value layer(GraphBuilder g, Value x, int i) {
        return block.apply(g, Weights.of(g, GROUP, PREFIX + "encoder.layers." + i + "."), x);
    }
}
