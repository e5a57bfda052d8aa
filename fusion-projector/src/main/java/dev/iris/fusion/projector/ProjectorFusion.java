package dev.iris.fusion.projector;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Shape;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.weights.WeightNaming;
import java.util.List;
import java.util.Map;

/**
 * Architecture A, the unified-embedding projector: merge {@code factor} patch tokens into one,
 * then {@code linear2(silu(linear1(x)))}, and write the results into the text embeddings at the
 * image positions of the prompt.
 */
public final class ProjectorFusion implements Fusion {
    static final String GROUP = "fusion";

    /** How patch tokens are grouped before the MLP. */
    public enum Merge {
        /** Consecutive tokens, exactly PyTorch's {@code view(b, -1, factor * d)} (the tutorial's checkpoints). */
        SEQUENTIAL,
        /** Square neighbourhoods of the patch grid (2x2 for factor 4). */
        SPATIAL
    }

    private final Merge merge;
    private final int factor;
    private final int patches;
    private final int visionHidden;
    private final int hidden;
    private final int textHidden;

    /**
     * @param patches      patch tokens per image from the vision encoder
     * @param visionHidden their width
     * @param hidden       width of linear1's output
     * @param textHidden   the language model's embedding width
     */
    public ProjectorFusion(Merge merge, int factor, int patches, int visionHidden, int hidden, int textHidden) {
        if (factor < 1 || patches % factor != 0) {
            throw new IllegalArgumentException("merge factor " + factor + " does not divide the " + patches + " patch tokens");
        }
        if (merge == Merge.SPATIAL) {
            int side = (int) Math.round(Math.sqrt(patches)), k = (int) Math.round(Math.sqrt(factor));
            if (side * side != patches || k * k != factor || side % k != 0) {
                throw new IllegalArgumentException("spatial merge needs a square patch grid and a square factor dividing its side: "
                        + patches + " patches, factor " + factor);
            }
        }
        this.merge = merge;
        this.factor = factor;
        this.patches = patches;
        this.visionHidden = visionHidden;
        this.hidden = hidden;
        this.textHidden = textHidden;
    }

    public Merge merge() {
        return merge;
    }

    public int factor() {
        return factor;
    }

    /** The projected image takes the place of the prompt's image positions. */
    @Override
    public boolean placesTokensInPrompt() {
        return true;
    }

    /** Once the prompt holds the image, decode steps only read the cache. */
    @Override
    public boolean readsImageEveryStep() {
        return false;
    }

    @Override
    public int imageTokens() {
        return patches / factor;
    }

    @Override
    public Value projectImage(GraphBuilder g, Value features) {
        checkFeatures(features);
        Value merged = mergeTokens(g, features);
        long in = (long) factor * visionHidden;
        // PyTorch's nn.Linear initialisation: uniform in +-1/sqrt(fan_in)
        Value w1 = g.weight(GROUP, "linear1.weight", Init.uniform(1 / Math.sqrt(in)), hidden, in);
        Value b1 = g.weight(GROUP, "linear1.bias", Init.uniform(1 / Math.sqrt(in)), hidden);
        Value w2 = g.weight(GROUP, "linear2.weight", Init.uniform(1 / Math.sqrt(hidden)), textHidden, hidden);
        Value b2 = g.weight(GROUP, "linear2.bias", Init.uniform(1 / Math.sqrt(hidden)), textHidden);
        return g.linear(g.silu(g.linear(merged, w1, b1)), w2, b2);
    }

    /**
     * Hugging Face's LLaVA checkpoints name the same two layers {@code multi_modal_projector.linear_1}
     * and {@code linear_2} (the prefix is found by the host). LLaVA applies GELU between them
     * where this projector applies SiLU, so its weights load here but do not reproduce its outputs.
     */
    static final WeightNaming LLAVA = new WeightNaming("Hugging Face LLaVA (multi_modal_projector.linear_1, linear_2)", Map.of(
            "linear1.weight", "linear_1.weight", "linear1.bias", "linear_1.bias",
            "linear2.weight", "linear_2.weight", "linear2.bias", "linear_2.bias"), "multi_modal_projector.");

    @Override
    public List<WeightNaming> weightNamings() {
        return List.of(LLAVA);
    }

    /** Features [B, images * patches, visionHidden]: a wrong count or width is named here, not found inside ONNX Runtime's reshape. */
    private void checkFeatures(Value features) {
        Shape shape = features.shape();
        boolean tokensOk = shape.rank() == 3 && !(shape.dim(1) instanceof Dim.Fixed p && (p.size() == 0 || p.size() % patches != 0));
        boolean widthOk = shape.rank() == 3 && !(shape.dim(2) instanceof Dim.Fixed d && d.size() != visionHidden);
        if (!tokensOk || !widthOk) {
            throw new IllegalArgumentException("projector: vision features " + shape + " do not match the configured "
                    + patches + " patch tokens (per image) of width " + visionHidden);
        }
    }

    /**
     * [B, I*P, D] to [B, I*P / factor, factor * D]: each of a sample's I images is merged on its
     * own (a group never spans two images, as P is a multiple of the group), image after image.
     */
    Value mergeTokens(GraphBuilder g, Value x) {
        if (merge == Merge.SEQUENTIAL) return g.reshape(x, 0, -1, (long) factor * visionHidden);
        long side = Math.round(Math.sqrt(patches)), k = Math.round(Math.sqrt(factor)), blocks = side / k;
        // the images' row blocks follow one another: image i's row block r is row block i * blocks + r
        Value grid = g.reshape(x, 0, -1, k, blocks, k, visionHidden);           // [B, image row block, row, col block, col, D]
        Value grouped = g.transpose(grid, 0, 1, 3, 2, 4, 5);                     // [B, image row block, col block, row, col, D]
        return g.reshape(grouped, 0, -1, (long) factor * visionHidden);
    }

    @Override
    public Value mergeEmbeddings(GraphBuilder g, Value textEmbeddings, Value image, Value spliceIndex) {
        Value table = g.concat(0, g.reshape(textEmbeddings, -1, textHidden), g.reshape(image, -1, textHidden));
        return g.gather(table, spliceIndex);
    }
}
