package dev.iris.common.vision;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import java.util.Objects;

/**
 * The input end of a ViT tower described through the graph interface, as SigLIP and CLIP share it:
 * the pixel shape check, the patch embedding (a stride-p, p x p convolution) and the learned
 * position embeddings, with the weights under Hugging Face's names ({@code prefix} +
 * {@code embeddings.*}, bound from {@code group}). A family adds what differs (CLIP's class token).
 *
 * @param config the tower's settings
 * @param family names the tower in errors (e.g. "SigLIP")
 * @param group  the weight group the runtime binds from
 * @param prefix put before every weight name (e.g. {@code vision_model.})
 */
public record VitEmbeddings(VitConfig config, String family, String group, String prefix) {

    public VitEmbeddings {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(prefix, "prefix");
    }

    /** The weight {@code prefix + name} of the group. */
    public Value weight(GraphBuilder g, String name, long... shape) {
        return g.weight(group, prefix + name, shape);
    }

    /**
     * Pixels [B, C, H, W] to patch embeddings [B, N, D], N row-major over the grid; {@code bias}
     * when the convolution has one ({@code embeddings.patch_embedding.bias}).
     *
     * @throws IllegalArgumentException when the pixels are not [batch, channels, image, image]
     */
    public Value patches(GraphBuilder g, Value pixels, boolean bias) {
        checkPixels(pixels);
        VitConfig c = config;
        int p = c.patchSize(), grid = c.grid(), ch = c.channels();
        long d = c.hiddenSize(), n = c.patches(), k = (long) ch * p * p;
        // A stride-p, p x p convolution without padding is a linear map of each non-overlapping
        // patch: cut [B, C, H, W] into [B, gy, gx, C, ky, kx] and flatten every patch in the
        // (channel, row, column) order of the conv weight's [D, C, p, p] layout.
        Value cut = g.reshape(pixels, 0, ch, grid, p, grid, p);                 // [B, C, gy, ky, gx, kx]
        Value patches = g.reshape(g.transpose(cut, 0, 2, 4, 1, 3, 5), 0, n, k); // [B, N, C*p*p], row-major over (gy, gx)
        Value kernel = g.reshape(weight(g, "embeddings.patch_embedding.weight", d, ch, p, p), d, k);
        return g.linear(patches, kernel, bias ? weight(g, "embeddings.patch_embedding.bias", d) : null);
    }

    /** {@code tokens} [B, T, D] plus the learned position table [T, D] ({@code embeddings.position_embedding.weight}). */
    public Value withPositions(GraphBuilder g, Value tokens, long count) {
        // position ids are always 0..T-1, so the lookup is the whole table, broadcast over the batch
        return g.add(tokens, weight(g, "embeddings.position_embedding.weight", count, config.hiddenSize()));
    }

    private void checkPixels(Value pixels) {
        VitConfig c = config;
        long[] expected = {c.channels(), c.imageSize(), c.imageSize()};
        boolean ok = pixels.rank() == 4;
        for (int i = 0; ok && i < 3; i++) {
            if (pixels.shape().dim(i + 1) instanceof Dim.Fixed f && f.size() != expected[i]) ok = false;
        }
        if (!ok) {
            throw new IllegalArgumentException(family + " vision tower expects pixels [batch, " + c.channels() + ", "
                    + c.imageSize() + ", " + c.imageSize() + "], got " + pixels.shape());
        }
    }
}
