package dev.iris.training;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.model.ImageRows;
import java.util.List;

/**
 * The training forward pass, from the same plugin descriptions generation uses: cached vision
 * features through the fusion module into the decoder, and the mean cross-entropy of the
 * labelled next tokens. Only labelled positions reach the LM head (no [B, T, vocab] logits).
 */
public final class TrainingGraph {
    public static final String IDS = "ids", POSITIONS = "positions", MASK = "mask", FEATURES = "features", SPLICE = "splice",
            ROWS = "rows", TARGETS = "targets", LOSS = "loss";

    private TrainingGraph() {}

    /** Whether the stage trains on images (pretrain, finetune) or on text alone (lm). */
    public static boolean usesImages(TrainConfig.Stage stage) {
        return stage != TrainConfig.Stage.LM;
    }

    /** Weight groups a stage trains. */
    public static List<String> trainableGroups(TrainConfig.Stage stage) {
        return switch (stage) {
            case PRETRAIN -> List.of("fusion");
            case FINETUNE -> List.of("fusion", "llm");
            case LM -> List.of("llm");
        };
    }

    /**
     * @param visionHidden the width of the cached vision features
     */
    public static Graph build(LanguageModel llm, Fusion fusion, boolean images, int visionHidden) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input(IDS, DType.I64, "batch", "seq");
        Value positions = g.input(POSITIONS, DType.I64, "batch", "seq");
        Value mask = g.input(MASK, DType.F32, "batch", 1L, "seq", "seq");
        Value emb = llm.embed(g, ids);
        LanguageModel.LayerHook hook = LanguageModel.LayerHook.NONE;
        if (images) {
            // a sample's images one after another (the batch's most, the others' empty slots zeros)
            Value features = g.input(FEATURES, DType.F32, "batch", "image_tokens", (long) visionHidden);
            Value image = fusion.projectImage(g, features);
            emb = fusion.mergeEmbeddings(g, emb, image, g.input(SPLICE, DType.I64, "batch", "seq"));
            hook = ImageRows.hook(g, fusion, image, "batch");
        }
        LanguageModel.Decoded out = llm.decode(g, new LanguageModel.DecoderInput(emb, positions, mask, List.of(), List.of(), hook));
        Value rows = g.gather(g.reshape(out.hidden(), -1, llm.hiddenSize()), g.input(ROWS, DType.I64, "rows"));
        Value logits = llm.logits(g, rows);
        g.output(LOSS, g.crossEntropy(logits, g.input(TARGETS, DType.I64, "rows"), Sample.IGNORE));
        return g.build();
    }
}
