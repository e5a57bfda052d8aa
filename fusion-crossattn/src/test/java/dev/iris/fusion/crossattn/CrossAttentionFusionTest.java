package dev.iris.fusion.crossattn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.text.ChatMl;
import dev.iris.llm.qwen.Qwen2Config;
import dev.iris.llm.qwen.Qwen2LanguageModel;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import dev.iris.testkit.FusionContract;
import dev.iris.testkit.NaiveFusion;
import dev.iris.testkit.PluginBehavior;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Architecture B on the fusion contract (a plain-Java block, closed gates, gradients through
 * them, bad input), plus what needs the real decoder: the base model's logits bit for bit with
 * closed gates, and the image keys and values cached once giving the tokens recomputing them gives.
 */
class CrossAttentionFusionTest extends FusionContract {
    static final OrtRuntime ORT = OrtRuntime.cpu(1);
    static final int D = 16, HEADS = 4, KV = 2, HD = 4, INTER = 24, DV = 6, P = 5, VOCAB = 30;
    static final Qwen2Config LLM = new Qwen2Config(D, 2, HEADS, KV, 32, VOCAB, 10000.0, 1e-6, true, 64);

    static final List<Integer> BLOCKS = List.of(0, 2);

    @Override
    protected CrossAttentionFusion createFusion() {
        return fusion(BLOCKS);
    }

    @Override
    protected Set<PluginBehavior> behaviors() {
        return Set.of(PluginBehavior.READS_IMAGE_EVERY_STEP, PluginBehavior.GATED_BLOCKS, PluginBehavior.TRAINABLE_WEIGHTS);
    }

    @Override
    protected int visionTokens() {
        return P;
    }

    @Override
    protected int visionWidth() {
        return DV;
    }

    @Override
    protected int textWidth() {
        return D;
    }

    @Override
    protected List<Integer> hookedLayers() {
        return BLOCKS;
    }

    @Override
    protected boolean isGate(String qualifiedName) {
        return qualifiedName.endsWith("_gate");
    }

    @Override
    protected NaiveFusion naiveForward() {
        return new NaiveFusion() {
            @Override
            public double[][] afterLayer(Map<String, Tensor> weights, int layer, double[][] hidden, double[][] features) {
                return NaiveBlock.forward(weights, "fusion/", "blocks." + layer + ".", hidden, features, D, HEADS, KV, HD, INTER, 1e-6);
            }
        };
    }

    @Test
    void layersWithoutABlockPassTheHiddenStatesThrough() {
        GraphBuilder g = new GraphBuilder();
        CrossAttentionFusion f = fusion(BLOCKS);
        Value x = g.input("x", DType.F32, 1L, "seq", (long) D);
        Value img = f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV));
        assertThat(f.layerHook(g, img).afterLayer(g, 1, x)).isSameAs(x);
        assertThat(f.layers()).containsExactly(0, 2);
    }

    static CrossAttentionFusion fusion(List<Integer> layers) {
        return new CrossAttentionFusion(layers, DV, D, HEADS, KV, HD, INTER, 1e-6);
    }

    /** Random values for every weight of the graph; gates get {@code gate}. */
    static Map<String, Tensor> weights(Graph g, long seed, double gate, DType dtype) {
        Random r = new Random(seed);
        Map<String, Tensor> out = new HashMap<>();
        g.weights().forEach((q, v) -> {
            long[] shape = v.shape().sizes();
            double[] d = new double[(int) Tensor.numel(shape)];
            boolean isGate = q.endsWith("_gate"), norm = q.contains("norm");
            for (int i = 0; i < d.length; i++) d[i] = isGate ? gate : norm ? 1 + 0.1 * r.nextGaussian() : 0.3 * r.nextGaussian();
            Tensor t = Tensor.ofDoubles(d, shape);
            out.put(q, dtype == DType.F64 ? t : t.toFloating(dtype));
        });
        return out;
    }

    static Map<String, Tensor> run(Graph g, Map<String, Tensor> weights, Map<String, Tensor> feeds, DType precision) {
        CompiledGraph cg = OnnxCompiler.compile(g, precision, List.of());
        Map<String, Tensor> frozen = new HashMap<>();
        for (String k : cg.frozen().keySet()) frozen.put(k, weights.get(k));
        try (GraphSession s = ORT.open(cg, frozen)) {
            return s.run(feeds);
        }
    }

    /** Logits of the decoder for ids, with the fusion's blocks reading the features (or without any fusion). */
    static Graph lmGraph(CrossAttentionFusion f) {
        Qwen2LanguageModel dec = new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), LLM, ChatMl.chatMl());
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        LanguageModel.LayerHook hook = LanguageModel.LayerHook.NONE;
        if (f != null) hook = f.layerHook(g, f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV)));
        var out = dec.decode(g, new LanguageModel.DecoderInput(dec.embed(g, ids), pos, mask, List.of(), List.of(), hook));
        g.output("logits", dec.logits(g, out.hidden()));
        return g.build();
    }

    static Map<String, Tensor> lmFeeds(long[] ids, float[] features) {
        int t = ids.length;
        long[] pos = new long[t];
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            pos[i] = i;
            for (int j = i + 1; j < t; j++) m[i * t + j] = Float.NEGATIVE_INFINITY;
        }
        Map<String, Tensor> f = new HashMap<>(Map.of("ids", Tensor.ofLongs(ids, 1, t), "positions", Tensor.ofLongs(pos, 1, t), "mask", Tensor.ofFloats(m, 1, 1, t, t)));
        if (features != null) f.put("features", Tensor.ofFloats(features, 1, P, DV));
        return f;
    }

    static float[] randomFeatures(long seed) {
        Random r = new Random(seed);
        float[] a = new float[P * DV];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void withGatesAtZeroTheLogitsAreTheBaseModelsBitForBit() {
        long[] ids = {3, 17, 5, 29, 1, 8};
        Graph withBlocks = lmGraph(fusion(List.of(0, 1)));
        Map<String, Tensor> w = weights(withBlocks, 1, 0.0, DType.F32);
        float[] base = run(lmGraph(null), w, lmFeeds(ids, null), DType.F32).get("logits").toFloats();
        float[] fused = run(withBlocks, w, lmFeeds(ids, randomFeatures(2)), DType.F32).get("logits").toFloats();
        assertThat(fused).containsExactly(base);
        // and the gates are what makes it so: opened, the image changes the logits
        Map<String, Tensor> open = weights(withBlocks, 1, 0.5, DType.F32);
        float[] opened = run(withBlocks, open, lmFeeds(ids, randomFeatures(2)), DType.F32).get("logits").toFloats();
        assertThat(opened).isNotEqualTo(base);
    }

    @Test
    void cachedImageKeysAndValuesGiveTheSameTokensAsRecomputingThem() {
        CrossAttentionFusion f = fusion(List.of(1));
        Graph recompute = lmGraph(f);   // keys/values computed from the features inside every run
        // the cached way: a graph that computes them once, and a decoder graph that takes them as input
        GraphBuilder ig = new GraphBuilder();
        ig.output("image", f.projectImage(ig, ig.input("features", DType.F32, 1L, (long) P, (long) DV)));
        Graph imageGraph = ig.build();
        Qwen2LanguageModel dec = new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), LLM, ChatMl.chatMl());
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        Value image = g.input("image", DType.F32, imageGraph.output("image").shape().dims().toArray());
        var out = dec.decode(g, new LanguageModel.DecoderInput(dec.embed(g, ids), pos, mask, List.of(), List.of(), f.layerHook(g, image)));
        g.output("logits", dec.logits(g, out.hidden()));
        Graph cachedGraph = g.build();
        Map<String, Tensor> w = weights(recompute, 11, 0.8, DType.F32);
        float[] feats = randomFeatures(12);
        Tensor kv = run(imageGraph, w, Map.of("features", Tensor.ofFloats(feats, 1, P, DV)), DType.F32).get("image");
        List<Long> a = greedy(recompute, w, feats, null), b = greedy(cachedGraph, w, null, kv);
        assertThat(b).hasSize(8).isEqualTo(a);
    }

    private static List<Long> greedy(Graph graph, Map<String, Tensor> w, float[] feats, Tensor kv) {
        List<Long> seq = new ArrayList<>(List.of(2L, 7L, 4L));
        List<Long> generated = new ArrayList<>();
        for (int step = 0; step < 8; step++) {
            Map<String, Tensor> feeds = lmFeeds(seq.stream().mapToLong(Long::longValue).toArray(), feats);
            if (kv != null) feeds.put("image", kv);
            float[] logits = run(graph, w, feeds, DType.F32).get("logits").toFloats();
            int last = (seq.size() - 1) * VOCAB, best = 0;
            for (int v = 1; v < VOCAB; v++) if (logits[last + v] > logits[last + best]) best = v;
            seq.add((long) best);
            generated.add((long) best);
        }
        return generated;
    }
}
