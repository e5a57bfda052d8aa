package dev.iris.fusion.crossattn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.llm.qwen.Qwen2Config;
import dev.iris.llm.qwen.Qwen2Decoder;
import dev.iris.runtime.graph.Differentiator;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Architecture B against the base decoder, a plain-Java block, finite differences, and its own cache. */
class CrossAttentionFusionTest {
    static final OrtRuntime ORT = OrtRuntime.cpu(1);
    static final int D = 16, HEADS = 4, KV = 2, HD = 4, INTER = 24, DV = 6, P = 5, VOCAB = 30;
    static final Qwen2Config LLM = new Qwen2Config(D, 2, HEADS, KV, 32, VOCAB, 10000.0, 1e-6, true, 64);

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
        Qwen2Decoder dec = new Qwen2Decoder(LLM);
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
    void oneBlockMatchesPlainJava() {
        CrossAttentionFusion f = fusion(List.of(0));
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 1L, "seq", (long) D);
        Value img = f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV));
        g.output("y", f.layerHook(g, img).afterLayer(g, 0, x));
        Graph graph = g.build();
        Map<String, Tensor> w = weights(graph, 3, 0.7, DType.F32);
        int t = 3;
        Random r = new Random(4);
        float[] xs = new float[t * D];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        float[] feats = randomFeatures(5);
        float[] y = run(graph, w, Map.of("x", Tensor.ofFloats(xs, 1, t, D), "features", Tensor.ofFloats(feats, 1, P, DV)), DType.F32).get("y").toFloats();
        double[][] expected = NaiveBlock.forward(w, "fusion/", "blocks.0.", xs, t, feats, P, D, DV, HEADS, KV, HD, INTER, 1e-6);
        for (int i = 0; i < t; i++) for (int j = 0; j < D; j++) assertThat((double) y[i * D + j]).isCloseTo(expected[i][j], within(1e-4));
    }

    @Test
    void gradientsReachTheGatesAndTheBlockWeights() {
        CrossAttentionFusion f = fusion(List.of(0));
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 1L, 3L, (long) D);
        Value img = f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV));
        Value y = f.layerHook(g, img).afterLayer(g, 0, x);
        g.output("loss", g.sum(g.mul(y, g.constant(Tensor.ofFloats(ramp(3 * D), 1, 3, D))), false, 0, 1, 2));
        Graph forward = g.build();
        List<String> trainable = List.of("fusion/blocks.0.cross_attn_attn_gate", "fusion/blocks.0.cross_attn_mlp_gate",
                "fusion/blocks.0.cross_attn.q_proj.weight", "fusion/blocks.0.cross_attn.k_norm.weight", "fusion/blocks.0.mlp.down_proj.weight",
                "fusion/image_projection.weight");
        Graph train = Differentiator.gradients(forward, "loss", trainable);
        CompiledGraph cg = OnnxCompiler.compile(train, DType.F64, trainable);
        for (double gate : new double[] {0.0, 0.6}) {
            Map<String, Tensor> w = weights(forward, 6, gate, DType.F64);
            Map<String, Tensor> frozen = new HashMap<>();
            for (String k : cg.frozen().keySet()) frozen.put(k, w.get(k));
            Map<String, Tensor> feeds = new HashMap<>();
            Random r = new Random(7);
            double[] xs = new double[3 * D];
            for (int i = 0; i < xs.length; i++) xs[i] = r.nextGaussian();
            feeds.put("x", Tensor.ofDoubles(xs, 1, 3, D));
            feeds.put("features", Tensor.ofFloats(randomFeatures(8), 1, P, DV).toFloating(DType.F64));
            for (String q : trainable) feeds.put(q, w.get(q));
            try (GraphSession s = ORT.open(cg, frozen)) {
                Map<String, Tensor> out = s.run(feeds);
                for (String q : trainable) {
                    double[] wv = w.get(q).toDoubles(), grad = out.get(Differentiator.GRAD_PREFIX + q).toDoubles();
                    for (int probe = 0; probe < 4; probe++) {
                        int k = r.nextInt(wv.length);
                        double[] plus = wv.clone(), minus = wv.clone();
                        plus[k] += 1e-6;
                        minus[k] -= 1e-6;
                        double numeric = (loss(s, feeds, q, plus, w.get(q).shape()) - loss(s, feeds, q, minus, w.get(q).shape())) / 2e-6;
                        assertThat(grad[k]).as("gate %.1f: d/d %s[%d]", gate, q, k).isCloseTo(numeric, within(1e-7 + 1e-6 * Math.abs(numeric)));
                    }
                }
                // with closed gates the gates themselves still learn (the block's output is their gradient)
                if (gate == 0.0) assertThat(Math.abs(out.get(Differentiator.GRAD_PREFIX + trainable.get(0)).toDoubles()[0])).isGreaterThan(1e-6);
            }
        }
    }

    private static float[] ramp(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) Math.sin(i + 1);
        return a;
    }

    private static double loss(GraphSession s, Map<String, Tensor> feeds, String name, double[] w, long[] shape) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        f.put(name, Tensor.ofDoubles(w, shape));
        return s.run(f, List.of("loss")).get("loss").getDouble(0);
    }

    @Test
    void cachedImageKeysAndValuesGiveTheSameTokensAsRecomputingThem() {
        CrossAttentionFusion f = fusion(List.of(1));
        Graph recompute = lmGraph(f);   // keys/values computed from the features inside every run
        // the cached way: a graph that computes them once, and a decoder graph that takes them as input
        GraphBuilder ig = new GraphBuilder();
        ig.output("image", f.projectImage(ig, ig.input("features", DType.F32, 1L, (long) P, (long) DV)));
        Graph imageGraph = ig.build();
        Qwen2Decoder dec = new Qwen2Decoder(LLM);
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
