package dev.iris.api.spi;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.weights.WeightNaming;
import java.util.List;

/**
 * Brings image features into the language model. Weights live in group {@code fusion}.
 * Architecture A writes projected image embeddings into the prompt's image positions
 * ({@link #mergeEmbeddings}); architecture B adds work between decoder layers ({@link #layerHook}).
 */
public interface Fusion {

    /** Tokens each image adds to the text context: how many image pads a prompt carries (0 when none are needed). */
    int imageTokens();

    /** Vision features [B, P, Dv] to the per-image representation this fusion uses (for A: embeddings [B, imageTokens, Dt]). */
    Value projectImage(GraphBuilder g, Value features);

    /**
     * Text embeddings [B, T, Dt] with the image representation [B, N, Dt] written at the image
     * positions. {@code spliceIndex} [B, T] (int64) gives, for each position, its row in the
     * concatenation of the flattened text embeddings (B*T rows) and image rows (B*N rows).
     */
    default Value mergeEmbeddings(GraphBuilder g, Value textEmbeddings, Value image, Value spliceIndex) {
        return textEmbeddings;
    }

    /** Work to add after decoder layers, reading the image representation. */
    default LanguageModel.LayerHook layerHook(GraphBuilder g, Value image) {
        return LanguageModel.LayerHook.NONE;
    }

    /**
     * Other names under which checkpoints of this fusion are published (another project's
     * naming of the same tensors). A {@code model.fusion.weights} file may use the fusion's own
     * names or one of these, under any common prefix; anything else is an error naming what is missing.
     */
    default List<WeightNaming> weightNamings() {
        return List.of();
    }
}
