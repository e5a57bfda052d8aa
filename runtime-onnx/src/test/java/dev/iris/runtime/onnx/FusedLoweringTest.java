package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Float32 inference graphs use ONNX Runtime's fused kernels (one node per layer part), float64
 * graphs the primitives; a pre-norm residual block computes as the plain-Java reference.
 */
class FusedLoweringTest {
    static final int H = 8, T = 3;

    /** A pre-norm block: x1 = x + W1 x_norm; y = rmsNorm(x1); out = x1 + W2 y (the residual is read after the norm). */
    private static Graph block() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 1L, "seq", (long) H);
        Value x1 = g.add(x, g.linear(x, g.weight("m", "w1", H, H), null));
        Value y = g.rmsNorm(x1, g.weight("m", "norm", H), 1e-6);
        g.output("y", y);
        g.output("out", g.add(x1, g.linear(y, g.weight("m", "w2", H, H), null)));
        return g.build();
    }

    private static List<String> ops(CompiledGraph cg) throws Exception {
        return OnnxMl.ModelProto.parseFrom(cg.model()).getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList();
    }

    @Test
    void float32UsesFusedKernelsAndFloat64ThePrimitives() throws Exception {
        List<String> f32 = ops(OnnxCompiler.compile(block(), DType.F32, List.of()));
        assertThat(f32).contains("SkipSimplifiedLayerNormalization", "FusedMatMul").doesNotContain("Transpose", "Sqrt");
        assertThat(f32.stream().filter("Add"::equals).count()).as("only the last residual addition stays an Add").isEqualTo(1);
        List<String> f64 = ops(OnnxCompiler.compile(block(), DType.F64, List.of()));
        assertThat(f64).doesNotContain("SkipSimplifiedLayerNormalization", "FusedMatMul").contains("Transpose", "MatMul");

        GraphBuilder g = new GraphBuilder();
        Value q = g.input("q", DType.F32, 1L, 4L, "seq", 8L), k = g.input("k", DType.F32, 1L, 2L, "seq", 8L);
        Value pos = g.input("pos", DType.I64, 1L, "seq");
        g.output("a", g.attention(g.rotary(q, pos, 10000), g.rotary(k, pos, 10000), k, null, 0.3));
        Map<String, Long> counts = ops(OnnxCompiler.compile(g.build(), DType.F32, List.of())).stream()
                .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        assertThat(counts).containsEntry("Attention", 1L).containsEntry("RotaryEmbedding", 2L)
                .containsEntry("Cos", 1L).containsEntry("Sin", 1L);   // one cos/sin table for both rotations
    }

    /** q attends to [past; new] keys and values under a mask; the concatenations are graph outputs (a KV cache). */
    private static Graph cachedAttention() {
        GraphBuilder g = new GraphBuilder();
        Value q = g.input("q", DType.F32, 1L, 4L, "seq", 8L), k = g.input("k", DType.F32, 1L, 2L, "seq", 8L);
        Value v = g.input("v", DType.F32, 1L, 2L, "seq", 8L);
        Value pk = g.input("pk", DType.F32, 1L, 2L, "past", 8L), pv = g.input("pv", DType.F32, 1L, 2L, "past", 8L);
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "total");
        Value keys = g.concat(2, pk, k), values = g.concat(2, pv, v);
        g.output("a", g.attention(q, keys, values, mask, 0.35));
        g.output("present_k", keys);
        g.output("present_v", values);
        return g.build();
    }

    @Test
    void attentionTakesThePastKeysAndValuesItself() throws Exception {
        CompiledGraph f32 = OnnxCompiler.compile(cachedAttention(), DType.F32, List.of());
        assertThat(ops(f32)).containsExactly("Attention");
        assertThat(ops(OnnxCompiler.compile(cachedAttention(), DType.F64, List.of()))).contains("Concat");
        Random rnd = new Random(5);
        int s = 2, p = 3;
        Map<String, Tensor> feeds = new java.util.HashMap<>();
        feeds.put("q", random(rnd, 1, 4, s, 8));
        feeds.put("k", random(rnd, 1, 2, s, 8));
        feeds.put("v", random(rnd, 1, 2, s, 8));
        feeds.put("pk", random(rnd, 1, 2, p, 8));
        feeds.put("pv", random(rnd, 1, 2, p, 8));
        float[] mask = new float[s * (p + s)];
        mask[0] = Float.NEGATIVE_INFINITY;          // the first row does not see the first past position
        mask[p + 1] = Float.NEGATIVE_INFINITY;      // nor its own future
        feeds.put("mask", Tensor.ofFloats(mask, 1, 1, s, p + s));
        Map<String, Tensor> fused, plain;
        try (GraphSession a = OrtRuntime.cpu(1).open(f32, Map.of())) {
            fused = a.run(feeds);
        }
        Map<String, Tensor> f64Feeds = new java.util.HashMap<>();
        feeds.forEach((k, t) -> f64Feeds.put(k, t.toFloating(DType.F64)));
        try (GraphSession b = OrtRuntime.cpu(1).open(OnnxCompiler.compile(cachedAttention(), DType.F64, List.of()), Map.of())) {
            plain = b.run(f64Feeds);
        }
        for (String out : List.of("a", "present_k", "present_v")) {
            double[] x = plain.get(out).toDoubles();
            float[] y = fused.get(out).toFloats();
            assertThat(fused.get(out).shape()).as(out).containsExactly(plain.get(out).shape());
            for (int i = 0; i < x.length; i++) assertThat((double) y[i]).as(out).isCloseTo(x[i], within(1e-5));
        }
    }

    private static Tensor random(Random rnd, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return Tensor.ofFloats(v, shape);
    }

    @Test
    void residualBlockMatchesAPlainJavaForwardPass() {
        Random rnd = new Random(3);
        float[] x = new float[T * H], w1 = new float[H * H], w2 = new float[H * H], norm = new float[H];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (rnd.nextGaussian() * 0.3);
            w2[i] = (float) (rnd.nextGaussian() * 0.3);
        }
        for (int i = 0; i < H; i++) norm[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        Map<String, Tensor> out;
        CompiledGraph cg = OnnxCompiler.compile(block(), DType.F32, List.of());
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, Map.of("m/w1", Tensor.ofFloats(w1, H, H), "m/w2", Tensor.ofFloats(w2, H, H),
                "m/norm", Tensor.ofFloats(norm, H)))) {
            out = s.run(Map.of("x", Tensor.ofFloats(x, 1, T, H)));
        }
        float[] y = out.get("y").toFloats(), o = out.get("out").toFloats();
        for (int t = 0; t < T; t++) {
            double[] x1 = new double[H], yy = new double[H];
            for (int i = 0; i < H; i++) {
                x1[i] = x[t * H + i];
                for (int j = 0; j < H; j++) x1[i] += w1[i * H + j] * x[t * H + j];
            }
            double ms = 0;
            for (double v : x1) ms += v * v / H;
            for (int i = 0; i < H; i++) {
                yy[i] = x1[i] / Math.sqrt(ms + 1e-6) * norm[i];
                assertThat((double) y[t * H + i]).isCloseTo(yy[i], within(1e-5));
            }
            for (int i = 0; i < H; i++) {
                double expected = x1[i];
                for (int j = 0; j < H; j++) expected += w2[i * H + j] * yy[j];
                assertThat((double) o[t * H + i]).isCloseTo(expected, within(1e-5));
            }
        }
    }
}
