package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Qwen2 description executed by ONNX Runtime against a plain-Java forward pass. */
class Qwen2DecoderTest {
    private static final OrtRuntime ORT = OrtRuntime.cpu(1);

    private static Qwen2Config config(boolean tied) {
        return new Qwen2Config(32, 2, 4, 2, 48, 40, 10000.0, 1e-6, tied, 128);
    }

    private static Map<String, float[]> randomWeights(Qwen2Config c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        int d = c.hiddenSize(), hd = c.headDim();
        w.put("model.embed_tokens.weight", gauss(r, c.vocabSize() * d, 0.5));
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", around1(r, d));
            w.put(p + "post_attention_layernorm.weight", around1(r, d));
            w.put(p + "self_attn.q_proj.weight", gauss(r, c.heads() * hd * d, 0.2));
            w.put(p + "self_attn.q_proj.bias", gauss(r, c.heads() * hd, 0.1));
            w.put(p + "self_attn.k_proj.weight", gauss(r, c.kvHeads() * hd * d, 0.2));
            w.put(p + "self_attn.k_proj.bias", gauss(r, c.kvHeads() * hd, 0.1));
            w.put(p + "self_attn.v_proj.weight", gauss(r, c.kvHeads() * hd * d, 0.2));
            w.put(p + "self_attn.v_proj.bias", gauss(r, c.kvHeads() * hd, 0.1));
            w.put(p + "self_attn.o_proj.weight", gauss(r, d * c.heads() * hd, 0.2));
            w.put(p + "mlp.gate_proj.weight", gauss(r, c.intermediateSize() * d, 0.2));
            w.put(p + "mlp.up_proj.weight", gauss(r, c.intermediateSize() * d, 0.2));
            w.put(p + "mlp.down_proj.weight", gauss(r, d * c.intermediateSize(), 0.2));
        }
        w.put("model.norm.weight", around1(r, d));
        if (!c.tiedEmbeddings()) w.put("lm_head.weight", gauss(r, c.vocabSize() * d, 0.2));
        return w;
    }

    private static float[] gauss(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    private static float[] around1(Random r, int n) {
        float[] a = gauss(r, n, 0.1);
        for (int i = 0; i < n; i++) a[i] += 1;
        return a;
    }

    private static Map<String, Tensor> run(Graph graph, Map<String, float[]> w, Map<String, Tensor> feeds) {
        return run(graph, w, feeds, dev.iris.runtime.onnx.CompiledGraph.Quantization.NONE);
    }

    private static Map<String, Tensor> run(Graph graph, Map<String, float[]> w, Map<String, Tensor> feeds,
                                           dev.iris.runtime.onnx.CompiledGraph.Quantization weights) {
        Map<String, Tensor> shaped = new HashMap<>();
        graph.weights().forEach((q, v) -> shaped.put(q.substring(4), Tensor.ofFloats(w.get(q.substring(4)), v.shape().sizes())));
        WeightBinder binder = new WeightBinder(Map.of("llm", new MapWeightSource(shaped)), 0);
        var compiled = OnnxCompiler.compile(graph, DType.F32, List.of(), weights);
        try (GraphSession s = ORT.open(compiled, binder.bind(graph, compiled.frozen().keySet(), DType.F32))) {
            return s.run(feeds);
        }
    }

    private static Tensor causalMask(int past, int t) {
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) for (int j = 0; j < past + t; j++) m[i * (past + t) + j] = j > past + i ? Float.NEGATIVE_INFINITY : 0f;
        return Tensor.ofFloats(m, 1, 1, t, past + t);
    }

    private static Tensor positions(int batch, int from, int t) {
        long[] p = new long[batch * t];
        for (int b = 0; b < batch; b++) for (int i = 0; i < t; i++) p[b * t + i] = from + i;
        return Tensor.ofLongs(p, batch, t);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void logitsMatchPlainJava(boolean tied) {
        Qwen2Config c = config(tied);
        Map<String, float[]> w = randomWeights(c, tied ? 2 : 1);
        Qwen2Decoder model = new Qwen2Decoder(c);
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value pos = g.input("positions", DType.I64, "batch", "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        var out = model.decode(g, new LanguageModel.DecoderInput(model.embed(g, ids), pos, mask, List.of(), List.of(), null));
        g.output("logits", model.logits(g, out.hidden()));
        long[][] seqs = {{3, 17, 5, 39, 0, 22, 8}, {1, 1, 2, 30, 31, 12, 7}};
        long[] flat = new long[14];
        for (int b = 0; b < 2; b++) System.arraycopy(seqs[b], 0, flat, b * 7, 7);
        Map<String, Tensor> res = run(g.build(), w, Map.of("ids", Tensor.ofLongs(flat, 2, 7), "positions", positions(2, 0, 7), "mask", causalMask(0, 7)));
        float[] logits = res.get("logits").toFloats();
        NaiveQwen2 ref = new NaiveQwen2(c, w);
        for (int b = 0; b < 2; b++) {
            double[][] expected = ref.logits(seqs[b]);
            for (int t = 0; t < 7; t++) for (int v = 0; v < c.vocabSize(); v++) {
                assertThat((double) logits[(b * 7 + t) * c.vocabSize() + v]).as("b%d t%d v%d", b, t, v).isCloseTo(expected[t][v], within(2e-4));
            }
        }
    }

    /** int8 / int4 linear weights (MatMulNBits) against fp32 on the same model: the logit error stays small. */
    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4"})
    void quantizedWeightsStayCloseToFloat(String format) {
        Qwen2Config c = new Qwen2Config(64, 2, 4, 2, 96, 40, 10000.0, 1e-6, false, 128);   // K a multiple of the 32-wide blocks
        Map<String, float[]> w = randomWeights(c, 9);
        Qwen2Decoder model = new Qwen2Decoder(c);
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value pos = g.input("positions", DType.I64, "batch", "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        var out = model.decode(g, new LanguageModel.DecoderInput(model.embed(g, ids), pos, mask, List.of(), List.of(), null));
        g.output("logits", model.logits(g, out.hidden()));
        Graph graph = g.build();
        Map<String, Tensor> feeds = Map.of("ids", Tensor.ofLongs(new long[] {3, 17, 5, 39, 0, 22, 8}, 1, 7), "positions", positions(1, 0, 7),
                "mask", causalMask(0, 7));
        float[] fp32 = run(graph, w, feeds).get("logits").toFloats();
        float[] q = run(graph, w, feeds, dev.iris.runtime.onnx.CompiledGraph.Quantization.parse(format)).get("logits").toFloats();
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < fp32.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(fp32[i] - q[i]));
            maxAbs = Math.max(maxAbs, Math.abs(fp32[i]));
        }
        assertThat(maxDiff).isGreaterThan(0);                                 // the quantized path really ran
        // random weights: int4 errs far more than int8 (at accuracy level 0: 2.7% and 43% of the largest logit)
        assertThat(maxDiff / maxAbs).as("%s: max logit difference %.4f of %.2f", format, maxDiff, maxAbs)
                .isLessThan(format.equals("int8") ? 0.05 : 0.6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void kvCacheDecodingMatchesFullRecompute(int newTokens) {
        Qwen2Config c = config(true);
        Map<String, float[]> w = randomWeights(c, 5);
        Qwen2Decoder model = new Qwen2Decoder(c);
        long[] seq = {4, 9, 13, 27, 2, 33, 18, 6};
        int past = seq.length - newTokens;
        // graph with a cache input
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value pos = g.input("positions", DType.I64, "batch", "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "total");
        List<Value> pk = new ArrayList<>(), pv = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            pk.add(g.input("past_key." + l, DType.F32, "batch", (long) c.kvHeads(), "past", (long) c.headDim()));
            pv.add(g.input("past_value." + l, DType.F32, "batch", (long) c.kvHeads(), "past", (long) c.headDim()));
        }
        var out = model.decode(g, new LanguageModel.DecoderInput(model.embed(g, ids), pos, mask, pk, pv, null));
        g.output("logits", model.logits(g, out.hidden()));
        for (int l = 0; l < c.layers(); l++) {
            g.output("present_key." + l, out.keys().get(l));
            g.output("present_value." + l, out.values().get(l));
        }
        Graph graph = g.build();
        // prefill from an empty cache, then continue with the cache
        Map<String, Tensor> feeds = new HashMap<>();
        long[] prefix = java.util.Arrays.copyOf(seq, past);
        feeds.put("ids", Tensor.ofLongs(prefix, 1, past));
        feeds.put("positions", positions(1, 0, past));
        feeds.put("mask", causalMask(0, past));
        for (int l = 0; l < c.layers(); l++) {
            feeds.put("past_key." + l, Tensor.zeros(DType.F32, 1, c.kvHeads(), 0, c.headDim()));
            feeds.put("past_value." + l, Tensor.zeros(DType.F32, 1, c.kvHeads(), 0, c.headDim()));
        }
        Map<String, Tensor> first = run(graph, w, feeds);
        Map<String, Tensor> next = new HashMap<>();
        next.put("ids", Tensor.ofLongs(java.util.Arrays.copyOfRange(seq, past, seq.length), 1, newTokens));
        next.put("positions", positions(1, past, newTokens));
        next.put("mask", causalMask(past, newTokens));
        for (int l = 0; l < c.layers(); l++) {
            next.put("past_key." + l, first.get("present_key." + l));
            next.put("past_value." + l, first.get("present_value." + l));
        }
        Map<String, Tensor> second = run(graph, w, next);
        assertThat(second.get("present_key.0").shape()).containsExactly(1, c.kvHeads(), seq.length, c.headDim());
        double[][] expected = new NaiveQwen2(c, w).logits(seq);
        float[] got = second.get("logits").toFloats();
        for (int t = 0; t < newTokens; t++) for (int v = 0; v < c.vocabSize(); v++) {
            assertThat((double) got[t * c.vocabSize() + v]).isCloseTo(expected[past + t][v], within(2e-4));
        }
    }
}
