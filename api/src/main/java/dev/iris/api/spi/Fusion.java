package dev.iris.api.spi;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.weights.WeightNaming;
import java.util.List;

/**
 * Brings image features into the language model. Weights live in group {@code fusion}.
 * Architecture A writes projected image embeddings into the prompt's image positions
 * ({@link #mergeEmbeddings}); architecture B adds work between decoder layers ({@link #layerHook}).
 * A fusion declares which of these it does ({@link #placesTokensInPrompt()},
 * {@link #readsImageEveryStep()}); the host's generation, decode batching, training and
 * comparison follow the declaration and never infer it from {@link #imageTokens()}.
 */
public interface Fusion {

    /**
     * Whether a prompt with an image carries {@link #imageTokens()} image positions (the language
     * model's image token) whose embeddings {@link #mergeEmbeddings} writes (architecture A).
     */
    boolean placesTokensInPrompt();

    /**
     * Whether the decoder reads the image representation at every step, decode steps after the
     * prompt included (architecture B's cross-attention); otherwise the image is read only while
     * the prompt is run, and later steps get an image input of zero rows.
     */
    boolean readsImageEveryStep();

    /**
     * Image positions each image adds to the prompt: at least one when
     * {@link #placesTokensInPrompt()}, else 0.
     */
    int imageTokens();

    /**
     * Vision features [B, I*P, Dv] to the representation this fusion uses: each sample's I images
     * (I &ge; 1) one after another, P tokens each, as the vision encoder gave them. For A, embeddings
     * whose rows, flattened in order, are the images' positions (I * {@link #imageTokens()} per
     * sample, image after image); for B, whatever the work between layers reads, over all the images.
     */
    Value projectImage(GraphBuilder g, Value features);

    /**
     * Text embeddings [B, T, Dt] with the image representation (from {@link #projectImage}, N rows
     * per sample once flattened: every image's positions) written at the image positions.
     * {@code spliceIndex} [B, T] (int64) gives, for each position, its row in the concatenation of
     * the flattened text embeddings (B*T rows) and the flattened image rows (B*N rows).
     * The text embeddings at image positions are not the image token's: the host does not look
     * image token ids up in the embedding table (they may lie outside it), so those rows hold an
     * arbitrary token's embedding and must be replaced.
     */
    default Value mergeEmbeddings(GraphBuilder g, Value textEmbeddings, Value image, Value spliceIndex) {
        return textEmbeddings;
    }

    /** Work to add after decoder layers, reading the image representation. */
    default LanguageModel.LayerHook layerHook(GraphBuilder g, Value image) {
        return LanguageModel.LayerHook.NONE;
    }

    /**
     * Whether the work between layers reads which image tokens each position may see (Mllama's
     * cross-attention mask): the host then gives {@link #layerHook(GraphBuilder, Value, Value)} an
     * input {@code image_rows} [B, T, I*P] (F32) over the feature tokens {@link #projectImage} got:
     * 1 where a position reads that image's token, else 0. An image is read from its place in the
     * prompt up to the next image's place (images attached at the same place are read together;
     * the last ones by every generated token); positions before the first image, padding and the
     * slots of absent images are 0 throughout. Only meaningful with {@link #readsImageEveryStep()}.
     * With it the host can batch samples with different numbers of images; without it, a fusion
     * that reads the image at every step is trained only on samples with exactly one image.
     */
    default boolean readsImageRows() {
        return false;
    }

    /** {@link #layerHook(GraphBuilder, Value)} for a fusion that {@link #readsImageRows() reads image rows}. */
    default LanguageModel.LayerHook layerHook(GraphBuilder g, Value image, Value imageRows) {
        return layerHook(g, image);
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
