package dev.iris.plugins.model;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weight names each part of a model binds, read off one description of the whole model
 * (image through encoder and fusion into the decoder, every layer hooked), so the host learns
 * them from the plugins instead of knowing any.
 */
final class PartWeightNames {
    private PartWeightNames() {}

    /** Names by weight group ({@code vision}, {@code llm}, {@code fusion}); a group without weights maps to an empty set. */
    static Map<String, Set<String>> of(VisionEncoder vision, LanguageModel llm, Fusion fusion) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        shapes(vision, llm, fusion).forEach((group, named) -> out.put(group, named.keySet()));
        return out;
    }

    /** Shapes by name, by weight group. */
    static Map<String, Map<String, long[]>> shapes(VisionEncoder vision, LanguageModel llm, Fusion fusion) {
        GraphBuilder g = new GraphBuilder();
        long side = vision.imageSize();
        Value image = fusion.projectImage(g, vision.encode(g, g.input("pixels", DType.F32, 1L, 3L, side, side)));
        Value embeddings = fusion.mergeEmbeddings(g, llm.embed(g, g.input("ids", DType.I64, 1L, "seq")), image,
                g.input("splice", DType.I64, 1L, "seq"));
        Value hidden = llm.decode(g, new LanguageModel.DecoderInput(embeddings, g.input("positions", DType.I64, 1L, "seq"), null,
                List.of(), List.of(), ImageRows.hook(g, fusion, image, 1L))).hidden();
        g.output("logits", llm.logits(g, hidden));
        Graph graph = g.build();
        Map<String, Map<String, long[]>> out = new LinkedHashMap<>();
        for (String group : List.of("vision", "llm", "fusion")) out.put(group, new LinkedHashMap<>());
        graph.weights().forEach((qualified, v) -> {
            int slash = qualified.indexOf('/');
            out.computeIfAbsent(qualified.substring(0, slash), k -> new LinkedHashMap<>()).put(qualified.substring(slash + 1), v.shape().sizes());
        });
        return out;
    }
}
