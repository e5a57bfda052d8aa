package dev.iris.common.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The attention builder run by ONNX Runtime against a plain-Java attention written here, head by head. */
class AttentionTest {
    static final int D = 12, HEADS = 4, KV = 2, HD = 6;
    static final double THETA = 10000.0;

    private static Map<String, float[]> weights(Attention a, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        int q = a.heads() * a.headDim(), kv = a.kvHeads() * a.headDim();
        w.put("q.weight", Ort.gauss(r, q * D, 0.3));
        w.put("k.weight", Ort.gauss(r, kv * D, 0.3));
        w.put("v.weight", Ort.gauss(r, kv * D, 0.3));
        w.put("o.weight", Ort.gauss(r, D * q, 0.3));
        if (a.qkvBias()) {
            w.put("q.bias", Ort.gauss(r, q, 0.1));
            w.put("k.bias", Ort.gauss(r, kv, 0.1));
            w.put("v.bias", Ort.gauss(r, kv, 0.1));
        }
        if (a.outputBias()) w.put("o.bias", Ort.gauss(r, D, 0.1));
        return w;
    }

    private static Attention gqa(boolean outputBias) {
        return new Attention(D, HEADS, KV, HD, true, outputBias, new Attention.Names("q", "k", "v", "o"));
    }

    /**
     * Plain attention over positions 0..T-1 of one sequence: head h reads key/value head
     * {@code h / (heads / kvHeads)}; rotary by rotate-half with frequencies theta^(-2i/hd);
     * {@code causal} hides later positions.
     */
    static double[][] naive(Attention a, Map<String, float[]> w, double[][] x, boolean rotary, boolean causal) {
        int t = x.length, hd = a.headDim(), group = a.heads() / a.kvHeads();
        double[][] q = Ort.linear(x, w.get("q.weight"), w.get("q.bias"), a.heads() * hd);
        double[][] k = Ort.linear(x, w.get("k.weight"), w.get("k.bias"), a.kvHeads() * hd);
        double[][] v = Ort.linear(x, w.get("v.weight"), w.get("v.bias"), a.kvHeads() * hd);
        if (rotary) {
            rotate(q, a.heads(), hd);
            rotate(k, a.kvHeads(), hd);
        }
        double[][] merged = new double[t][a.heads() * hd];
        for (int h = 0; h < a.heads(); h++) {
            int kvh = h / group;
            for (int i = 0; i < t; i++) {
                double[] score = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    if (causal && j > i) {
                        score[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double s = 0;
                    for (int e = 0; e < hd; e++) s += q[i][h * hd + e] * k[j][kvh * hd + e];
                    score[j] = s / Math.sqrt(hd);
                    max = Math.max(max, score[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) sum += score[j] = Math.exp(score[j] - max);
                for (int j = 0; j < t; j++) for (int e = 0; e < hd; e++) merged[i][h * hd + e] += score[j] / sum * v[j][kvh * hd + e];
            }
        }
        return Ort.linear(merged, w.get("o.weight"), w.get("o.bias"), D);
    }

    private static void rotate(double[][] x, int heads, int hd) {
        int half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) for (int h = 0; h < heads; h++) {
            double[] out = new double[hd];
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(THETA, -2.0 * i / hd);
                double a = x[pos][h * hd + i], b = x[pos][h * hd + i + half];
                out[i] = a * Math.cos(angle) - b * Math.sin(angle);
                out[i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
            System.arraycopy(out, 0, x[pos], h * hd, hd);
        }
    }

    private static Tensor causalMask(int past, int t) {
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) for (int j = 0; j < past + t; j++) m[i * (past + t) + j] = j > past + i ? Float.NEGATIVE_INFINITY : 0f;
        return Tensor.ofFloats(m, 1, 1, t, past + t);
    }

    private static Tensor positions(int from, int t) {
        long[] p = new long[t];
        for (int i = 0; i < t; i++) p[i] = from + i;
        return Tensor.ofLongs(p, 1, t);
    }

    private static void assertClose(float[] got, double[][] expected, int fromRow) {
        for (int i = 0; i < got.length / D; i++) for (int j = 0; j < D; j++) {
            assertThat((double) got[i * D + j]).as("row %d col %d", fromRow + i, j).isCloseTo(expected[fromRow + i][j], within(1e-4));
        }
    }

    @Test
    void groupedQueryAttentionWithRotaryAndCausalMaskMatchesPlainJava() {
        Attention a = gqa(false);
        Map<String, float[]> w = weights(a, 1);
        int t = 6;
        float[] x = Ort.gauss(new Random(2), t * D, 1.0);
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, "seq", (long) D);
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        g.output("y", a.apply(g, Weights.of(g, Ort.GROUP, ""), in, mask, new Attention.Rope(pos, THETA), null, null).output());
        float[] y = Ort.run(g.build(), w, Map.of("x", Tensor.ofFloats(x, 1, t, D), "positions", positions(0, t), "mask", causalMask(0, t)))
                .get("y").toFloats();
        assertClose(y, naive(a, w, Ort.rows(x, t, D), true, true), 0);
    }

    @Test
    void bidirectionalAttentionWithBiasesMatchesPlainJava() {
        Attention a = new Attention(D, 3, 3, 4, true, true, new Attention.Names("q", "k", "v", "o"));
        Map<String, float[]> w = weights(a, 3);
        int t = 5;
        float[] x = Ort.gauss(new Random(4), t * D, 1.0);
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, (long) t, (long) D);
        g.output("y", a.apply(g, Weights.of(g, Ort.GROUP, ""), in));
        float[] y = Ort.run(g.build(), w, Map.of("x", Tensor.ofFloats(x, 1, t, D))).get("y").toFloats();
        assertClose(y, naive(a, w, Ort.rows(x, t, D), false, false), 0);
    }

    /** Prefill of 4 positions, then 2 more from the returned cache: the same rows as attending over all 6 at once. */
    @Test
    void continuingFromTheCacheEqualsRecomputing() {
        Attention a = gqa(true);
        Map<String, float[]> w = weights(a, 5);
        int total = 6, past = 4, fresh = total - past;
        float[] x = Ort.gauss(new Random(6), total * D, 1.0);
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, "seq", (long) D);
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "total");
        Value pk = g.input("past_key", DType.F32, 1L, (long) KV, "past", (long) HD);
        Value pv = g.input("past_value", DType.F32, 1L, (long) KV, "past", (long) HD);
        Attention.Output out = a.apply(g, Weights.of(g, Ort.GROUP, ""), in, mask, new Attention.Rope(pos, THETA), pk, pv);
        g.output("y", out.output());
        g.output("key", out.keys());
        g.output("value", out.values());
        var graph = g.build();

        Map<String, Tensor> first = new HashMap<>();
        first.put("x", Tensor.ofFloats(java.util.Arrays.copyOf(x, past * D), 1, past, D));
        first.put("positions", positions(0, past));
        first.put("mask", causalMask(0, past));
        first.put("past_key", Tensor.zeros(DType.F32, 1, KV, 0, HD));
        first.put("past_value", Tensor.zeros(DType.F32, 1, KV, 0, HD));
        Map<String, Tensor> prefill = Ort.run(graph, w, first);
        Map<String, Tensor> next = new HashMap<>();
        next.put("x", Tensor.ofFloats(java.util.Arrays.copyOfRange(x, past * D, total * D), 1, fresh, D));
        next.put("positions", positions(past, fresh));
        next.put("mask", causalMask(past, fresh));
        next.put("past_key", prefill.get("key"));
        next.put("past_value", prefill.get("value"));
        Map<String, Tensor> step = Ort.run(graph, w, next);

        assertThat(step.get("key").shape()).containsExactly(1, KV, total, HD);
        double[][] expected = naive(a, w, Ort.rows(x, total, D), true, true);
        assertClose(prefill.get("y").toFloats(), expected, 0);
        assertClose(step.get("y").toFloats(), expected, past);
    }

    @Test
    void llamaNamesAndBiasesAreTheOnesRequested() {
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, "seq", (long) D);
        new Attention(D, HEADS, KV, HD, false, false, Attention.Names.LLAMA).apply(g, Weights.of(g, "llm", "model.layers.0."), in);
        assertThat(g.build().weights().keySet()).containsExactly(
                "llm/model.layers.0.self_attn.q_proj.weight", "llm/model.layers.0.self_attn.k_proj.weight",
                "llm/model.layers.0.self_attn.v_proj.weight", "llm/model.layers.0.self_attn.o_proj.weight");
    }

    @Test
    void badSizesAreRefusedWithTheNumbers() {
        assertThatThrownBy(() -> new Attention(D, 4, 3, HD, true, false, Attention.Names.LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 query heads are not a multiple of 3 key/value heads");
        assertThatThrownBy(() -> new Attention(D, 0, 1, HD, true, false, Attention.Names.LLAMA))
                .hasMessageContaining("heads 0");
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, "seq", (long) D);
        Value pk = g.input("past_key", DType.F32, 1L, (long) KV, "past", (long) HD);
        assertThatThrownBy(() -> gqa(false).apply(g, Weights.of(g, Ort.GROUP, ""), in, null, null, pk, null))
                .hasMessageContaining("past keys and values come together");
    }
}
