package dev.iris.plugins.model;

import static dev.iris.plugins.model.VisionLanguageModel.IDS;
import static dev.iris.plugins.model.VisionLanguageModel.IMAGE;
import static dev.iris.plugins.model.VisionLanguageModel.LOGITS;
import static dev.iris.plugins.model.VisionLanguageModel.MASK;
import static dev.iris.plugins.model.VisionLanguageModel.PIXELS;
import static dev.iris.plugins.model.VisionLanguageModel.POSITIONS;
import static dev.iris.plugins.model.VisionLanguageModel.ROWS;
import static dev.iris.plugins.model.VisionLanguageModel.SPLICE;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * The inference graphs of a model, described once for generation and for export: the image graph
 * (pixels to the fusion's representation) and the language graph (prompt and decode steps alike).
 */
final class InferenceGraphs {
    private InferenceGraphs() {}

    /** Pixels [images, 3, S, S] to the fusion's image representation [1, ...]. */
    static Graph image(ModelParts parts) {
        int s = parts.vision().imageSize();
        GraphBuilder g = new GraphBuilder();
        // a request's images, one per row of pixels: the fusion reads them one after another as one sample's
        Value pixels = g.input(PIXELS, DType.F32, "images", 3L, (long) s, (long) s);
        Value features = g.reshape(parts.vision().encode(g, pixels), 1, -1, parts.vision().hiddenSize());
        g.output(IMAGE, parts.fusion().projectImage(g, features));
        return g.build();
    }

    /**
     * The decoder graph, used for the prompt and for every decode step: ids with their
     * positions and mask, the KV cache, the image representation (zero rows when there is no
     * image) with the splice index that places it (architecture A), and the rows whose logits
     * are wanted. Without {@code withImage} the fusion takes no part (a fusion reading the image
     * at every step, on a text-only prompt).
     */
    static Graph language(ModelParts parts, boolean withImage) {
        LanguageModel llm = parts.llm();
        Fusion fusion = parts.fusion();
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input(IDS, DType.I64, "batch", "seq");
        Value positions = g.input(POSITIONS, DType.I64, "batch", "seq");
        Value mask = g.input(MASK, DType.F32, "batch", 1L, "seq", "total");
        List<Value> pk = new ArrayList<>(), pv = new ArrayList<>();
        for (int l = 0; l < llm.layers(); l++) {
            pk.add(g.input("past_key." + l, DType.F32, "batch", (long) llm.kvHeads(), "past", (long) llm.headDim()));
            pv.add(g.input("past_value." + l, DType.F32, "batch", (long) llm.kvHeads(), "past", (long) llm.headDim()));
        }
        Value emb = llm.embed(g, ids);
        LanguageModel.LayerHook hook = LanguageModel.LayerHook.NONE;
        if (withImage) {
            Value image = g.input(IMAGE, DType.F32, imageDims(parts));
            emb = fusion.mergeEmbeddings(g, emb, image, g.input(SPLICE, DType.I64, "batch", "seq"));
            hook = ImageRows.hook(g, fusion, image, "batch");
        }
        LanguageModel.Decoded out = llm.decode(g, new LanguageModel.DecoderInput(emb, positions, mask, pk, pv, hook));
        Value rows = g.gather(g.reshape(out.hidden(), -1, llm.hiddenSize()), g.input(ROWS, DType.I64, "rows"));
        g.output(LOGITS, llm.logits(g, rows));
        for (int l = 0; l < llm.layers(); l++) {
            g.output("present_key." + l, out.keys().get(l));
            g.output("present_value." + l, out.values().get(l));
        }
        return g.build();
    }

    /**
     * The image input's dimensions: those of the fusion's image representation, batch first, and
     * symbolic wherever the number of images shows (a prompt's several images; spliced image
     * tokens of architecture A also so a text-only prompt passes zero).
     */
    private static Object[] imageDims(ModelParts parts) {
        GraphBuilder scratch = new GraphBuilder();
        Value features = scratch.input("features", DType.F32, 1L, "image_tokens", (long) parts.vision().hiddenSize());
        List<Dim> dims = parts.fusion().projectImage(scratch, features).shape().dims();
        Object[] out = dims.toArray();
        out[0] = "batch";
        for (int i = 1; i < out.length; i++) if (!(dims.get(i) instanceof Dim.Fixed)) out[i] = "image_" + i;
        if (!parts.fusion().readsImageEveryStep()) out[1] = "image_tokens";
        return out;
    }
}
