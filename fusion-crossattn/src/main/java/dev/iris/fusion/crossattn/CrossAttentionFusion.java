package dev.iris.fusion.crossattn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Architecture B: gated cross-attention blocks inserted after chosen decoder layers, as in
 * Flamingo and Llama 3.2 Vision's cross-attention decoder layers. The text's hidden states
 * give the queries; the projected image features give keys and values (with per-head RMS norms
 * on queries and keys and no rotary embedding); the attention and MLP outputs pass through
 * scalar tanh gates that start at zero, so an untrained block leaves the language model's
 * output exactly as it was. The image adds no tokens to the context.
 *
 * <p>{@link ImageMask} says which text positions the blocks act on: all of them (the default),
 * or, as Mllama's cross-attention mask, only those at or after an image's place in the prompt,
 * each reading the tokens of the images it follows ({@code image_rows}); the blocks' attention and
 * MLP contributions are zeroed on the rows before the first image, so those rows leave a block
 * exactly as they entered it. Several images of a sample are keys and values one after another.
 *
 * <p>The per-request image representation is every block's keys and values, computed once:
 * [B, blocks * 2 * kvHeads, P, headDim] (block b's keys at 2b * kvHeads, values right after).
 */
public final class CrossAttentionFusion implements Fusion {
    static final String GROUP = "fusion";
    /** Added to the scores of image tokens a position does not read: their softmax weight is 0 in float32 and float64. */
    private static final double MASKED = 1e9;

    private final Map<Integer, Integer> blockAfterLayer;   // decoder layer -> block index
    private final int visionHidden, hidden, heads, kvHeads, headDim, intermediate;
    private final double eps;
    private final ImageMask imageMask;

    /** Which text positions the blocks act on. */
    public enum ImageMask {
        /** Every position attends to the image (the blocks act on every row). */
        ALL("all"),
        /**
         * Mllama's: positions before the image's place in the prompt do not attend to the image
         * and the blocks add nothing to them; the host gives the rows as {@code image_rows}.
         */
        MLLAMA("mllama");

        private final String configName;

        ImageMask(String configName) {
            this.configName = configName;
        }

        /** The value of the fusion's {@code image_mask} that selects it. */
        public String configName() {
            return configName;
        }
    }

    /**
     * @param layers       decoder layers (0-based) after which a block runs
     * @param visionHidden width of the vision features
     * @param hidden       the language model's hidden size
     */
    public CrossAttentionFusion(List<Integer> layers, int visionHidden, int hidden, int heads, int kvHeads, int headDim,
                                int intermediate, double eps) {
        this(layers, visionHidden, hidden, heads, kvHeads, headDim, intermediate, eps, ImageMask.ALL);
    }

    /** @param imageMask which text positions the blocks act on */
    public CrossAttentionFusion(List<Integer> layers, int visionHidden, int hidden, int heads, int kvHeads, int headDim,
                                int intermediate, double eps, ImageMask imageMask) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no decoder layer was chosen for a cross-attention block");
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " query heads are not a multiple of " + kvHeads + " key/value heads");
        this.blockAfterLayer = new TreeMap<>();
        for (int l : layers) {
            if (blockAfterLayer.put(l, blockAfterLayer.size()) != null) throw new IllegalArgumentException("layer " + l + " is named twice");
        }
        this.visionHidden = visionHidden;
        this.hidden = hidden;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.intermediate = intermediate;
        this.eps = eps;
        this.imageMask = Objects.requireNonNull(imageMask, "imageMask");
    }

    public ImageMask imageMask() {
        return imageMask;
    }

    /** With Mllama's mask the blocks read which rows come at or after the image's place. */
    @Override
    public boolean readsImageRows() {
        return imageMask == ImageMask.MLLAMA;
    }

    /** The epsilon of the blocks' RMS norms. */
    public double eps() {
        return eps;
    }

    /** The decoder layers a block follows, in order. */
    public List<Integer> layers() {
        return List.copyOf(blockAfterLayer.keySet());
    }

    /** The prompt stays text: the image reaches the decoder through the blocks between layers. */
    @Override
    public boolean placesTokensInPrompt() {
        return false;
    }

    /** Every decode step's token attends to the image in the cross-attention blocks. */
    @Override
    public boolean readsImageEveryStep() {
        return true;
    }

    @Override
    public int imageTokens() {
        return 0;
    }

    private Value w(GraphBuilder g, String name, Init init, long... shape) {
        return g.weight(GROUP, name, init, shape);
    }

    private static Init linearInit(long fanIn) {
        return Init.uniform(1 / Math.sqrt(fanIn));   // PyTorch's nn.Linear default
    }

    /** Projects the image features, then computes every block's keys and values once. */
    @Override
    public Value projectImage(GraphBuilder g, Value features) {
        Value memory = g.linear(features, w(g, "image_projection.weight", linearInit(visionHidden), hidden, visionHidden),
                w(g, "image_projection.bias", linearInit(visionHidden), hidden));
        Value[] kv = new Value[2 * blockAfterLayer.size()];
        for (var e : blockAfterLayer.entrySet()) {
            String p = prefix(e.getKey());
            Value k = heads(g, g.linear(memory, w(g, p + "cross_attn.k_proj.weight", linearInit(hidden), (long) kvHeads * headDim, hidden), null), kvHeads);
            k = g.rmsNorm(k, w(g, p + "cross_attn.k_norm.weight", Init.ones(), headDim), eps);
            Value v = heads(g, g.linear(memory, w(g, p + "cross_attn.v_proj.weight", linearInit(hidden), (long) kvHeads * headDim, hidden), null), kvHeads);
            kv[2 * e.getValue()] = k;
            kv[2 * e.getValue() + 1] = v;
        }
        return g.concat(1, kv);
    }

    @Override
    public LanguageModel.LayerHook layerHook(GraphBuilder g, Value image) {
        if (imageMask != ImageMask.ALL) {
            throw new IllegalStateException("image_mask: " + imageMask.configName() + " needs the image rows (layerHook with image_rows)");
        }
        return hook(image, null);
    }

    @Override
    public LanguageModel.LayerHook layerHook(GraphBuilder g, Value image, Value imageRows) {
        return hook(image, imageMask == ImageMask.ALL ? null : imageRows);
    }

    private LanguageModel.LayerHook hook(Value image, Value rows) {
        return (gb, layer, x) -> {
            Integer block = blockAfterLayer.get(layer);
            return block == null ? x : block(gb, layer, block, x, image, rows);
        };
    }

    /**
     * @param rows [B, T, K] over the image tokens (keys): 1 where a position reads that token; a
     *             position that reads none gets nothing from the block (null: every position reads every token)
     */
    private Value block(GraphBuilder g, int layer, int block, Value x, Value image, Value rows) {
        String p = prefix(layer);
        long off = 2L * block * kvHeads;
        Value k = g.slice(image, 1, off, off + kvHeads);
        Value v = g.slice(image, 1, off + kvHeads, off + 2L * kvHeads);
        Value h = g.rmsNorm(x, w(g, p + "input_layernorm.weight", Init.ones(), hidden), eps);
        Value q = heads(g, g.linear(h, w(g, p + "cross_attn.q_proj.weight", linearInit(hidden), (long) heads * headDim, hidden), null), heads);
        q = g.rmsNorm(q, w(g, p + "cross_attn.q_norm.weight", Init.ones(), headDim), eps);
        // a position reads only its images' tokens; one that reads none is zeroed below (its
        // softmax runs over uniformly masked scores: finite, and thrown away)
        Value scoreMask = null, reads = null;
        if (rows != null) {
            scoreMask = g.unsqueeze(g.mul(g.sub(rows, g.scalar(1)), MASKED), 1);   // [B, 1, T, K]: 0 or -1e9
            reads = g.max(rows, true, -1);                                        // [B, T, 1]
        }
        Value attn = g.attention(q, k, v, scoreMask, 1.0 / Math.sqrt(headDim));
        Value merged = g.reshape(g.transpose(attn, 0, 2, 1, 3), 0, 0, (long) heads * headDim);
        Value out = g.linear(merged, w(g, p + "cross_attn.o_proj.weight", linearInit((long) heads * headDim), hidden, (long) heads * headDim), null);
        if (reads != null) out = g.mul(out, reads);
        x = g.add(x, g.mul(g.tanh(w(g, p + "cross_attn_attn_gate", Init.zeros(), 1)), out));
        Value h2 = g.rmsNorm(x, w(g, p + "post_attention_layernorm.weight", Init.ones(), hidden), eps);
        Value gate = g.linear(h2, w(g, p + "mlp.gate_proj.weight", linearInit(hidden), intermediate, hidden), null);
        Value up = g.linear(h2, w(g, p + "mlp.up_proj.weight", linearInit(hidden), intermediate, hidden), null);
        Value mlp = g.linear(g.mul(g.silu(gate), up), w(g, p + "mlp.down_proj.weight", linearInit(intermediate), hidden, intermediate), null);
        if (reads != null) mlp = g.mul(mlp, reads);
        return g.add(x, g.mul(g.tanh(w(g, p + "cross_attn_mlp_gate", Init.zeros(), 1)), mlp));
    }

    private static String prefix(int layer) {
        return "blocks." + layer + ".";
    }

    /** [B, T, n*D] to [B, n, T, D]. */
    private Value heads(GraphBuilder g, Value x, int n) {
        return g.transpose(g.reshape(x, 0, 0, n, headDim), 0, 2, 1, 3);
    }
}
