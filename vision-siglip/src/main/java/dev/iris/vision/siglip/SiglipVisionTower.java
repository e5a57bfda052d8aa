package dev.iris.vision.siglip;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.common.nn.Activation;
import dev.iris.common.nn.VitBlock;
import dev.iris.common.nn.Weights;
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

    public SiglipVisionTower(SiglipVisionConfig config) {
        this.c = Objects.requireNonNull(config, "config");
        this.block = VitBlock.standard(c.hiddenSize(), c.heads(), c.intermediateSize(),
                Activation.fromHuggingFace(c.hiddenAct()), c.layerNormEps());
    }

    public SiglipVisionConfig config() {
        return c;
    }

    private Value w(GraphBuilder g, String name, long... shape) {
        return g.weight(GROUP, PREFIX + name, shape);
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
        checkPixels(pixels);
        int p = c.patchSize(), grid = c.grid(), ch = c.channels();
        long d = c.hiddenSize(), n = c.patches(), k = (long) ch * p * p;
        // A stride-p, p x p convolution without padding is a linear map of each non-overlapping
        // patch: cut [B, C, H, W] into [B, gy, gx, C, ky, kx] and flatten every patch in the
        // (channel, row, column) order of the conv weight's [D, C, p, p] layout.
        Value cut = g.reshape(pixels, 0, ch, grid, p, grid, p);           // [B, C, gy, ky, gx, kx]
        Value patches = g.reshape(g.transpose(cut, 0, 2, 4, 1, 3, 5), 0, n, k); // [B, N, C*p*p], N row-major over (gy, gx)
        Value kernel = g.reshape(w(g, "embeddings.patch_embedding.weight", d, ch, p, p), d, k);
        Value x = g.linear(patches, kernel, w(g, "embeddings.patch_embedding.bias", d));
        // position ids are always 0..N-1, so the lookup is the whole table, broadcast over the batch
        return g.add(x, w(g, "embeddings.position_embedding.weight", n, d));
    }

    /** One pre-norm encoder layer: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    public Value layer(GraphBuilder g, Value x, int i) {
        return block.apply(g, Weights.of(g, GROUP, PREFIX + "encoder.layers." + i + "."), x);
    }

    private void checkPixels(Value pixels) {
        long[] expected = {c.channels(), c.imageSize(), c.imageSize()};
        boolean ok = pixels.rank() == 4;
        for (int i = 0; ok && i < 3; i++) {
            if (pixels.shape().dim(i + 1) instanceof Dim.Fixed f && f.size() != expected[i]) ok = false;
        }
        if (!ok) {
            throw new IllegalArgumentException("SigLIP vision tower expects pixels [batch, " + c.channels() + ", "
                    + c.imageSize() + ", " + c.imageSize() + "], got " + pixels.shape());
        }
    }
}
