package dev.iris.fusion.projector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The projector and the splice, executed by ONNX Runtime, against plain Java. */
class ProjectorFusionTest {
    private static final int B = 2, P = 16, DV = 6, H = 10, DT = 8, F = 4, N = P / F;

    private static float[] gauss(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static Map<String, Tensor> run(Graph graph, Map<String, Tensor> weights, Map<String, Tensor> feeds) {
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of());
        Map<String, Tensor> frozen = new WeightBinder(Map.of("fusion", new MapWeightSource(weights)), 0)
                .bind(graph, cg.frozen().keySet(), DType.F32);
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            return s.run(feeds);
        }
    }

    /** Index of the patch token that lands at slot {@code j} of merged token {@code m}. */
    private static int sourceToken(ProjectorFusion.Merge merge, int m, int j) {
        if (merge == ProjectorFusion.Merge.SEQUENTIAL) return m * F + j;
        int side = 4, k = 2, blocks = side / k;
        int br = m / blocks, bc = m % blocks, r = j / k, c = j % k;
        return (br * k + r) * side + bc * k + c;
    }

    @ParameterizedTest
    @EnumSource(ProjectorFusion.Merge.class)
    void projectionMatchesPlainJava(ProjectorFusion.Merge merge) {
        Random rnd = new Random(merge.ordinal());
        float[] feats = gauss(rnd, B * P * DV), w1 = gauss(rnd, H * F * DV), b1 = gauss(rnd, H), w2 = gauss(rnd, DT * H), b2 = gauss(rnd, DT);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("linear1.weight", Tensor.ofFloats(w1, H, F * DV));
        weights.put("linear1.bias", Tensor.ofFloats(b1, H));
        weights.put("linear2.weight", Tensor.ofFloats(w2, DT, H));
        weights.put("linear2.bias", Tensor.ofFloats(b2, DT));
        ProjectorFusion fusion = new ProjectorFusion(merge, F, P, DV, H, DT);
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("features", DType.F32, "batch", (long) P, (long) DV);
        Value y = fusion.projectImage(g, x);
        assertThat(y.shape().dims().subList(1, 3).toString()).isEqualTo("[" + N + ", " + DT + "]");
        g.output("y", y);
        float[] out = run(g.build(), weights, Map.of("features", Tensor.ofFloats(feats, B, P, DV))).get("y").toFloats();
        for (int b = 0; b < B; b++) for (int m = 0; m < N; m++) {
            double[] in = new double[F * DV];
            for (int j = 0; j < F; j++) for (int d = 0; d < DV; d++) in[j * DV + d] = feats[(b * P + sourceToken(merge, m, j)) * DV + d];
            double[] h = new double[H];
            for (int o = 0; o < H; o++) {
                double s = b1[o];
                for (int i = 0; i < F * DV; i++) s += w1[o * F * DV + i] * in[i];
                h[o] = s / (1 + Math.exp(-s));
            }
            for (int o = 0; o < DT; o++) {
                double s = b2[o];
                for (int i = 0; i < H; i++) s += w2[o * H + i] * h[i];
                assertThat((double) out[(b * N + m) * DT + o]).isCloseTo(s, within(1e-4));
            }
        }
    }

    @Test
    void spliceWritesImageRowsAtTheirPositions() {
        ProjectorFusion fusion = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        int t = 6;
        Random rnd = new Random(3);
        float[] text = gauss(rnd, B * t * DT), image = gauss(rnd, B * N * DT);
        // row 0: pads at 1..4; row 1: pads at 2..5; other positions keep their text embedding
        long[] index = new long[B * t];
        for (int b = 0; b < B; b++) {
            int first = b == 0 ? 1 : 2, k = 0;
            for (int p = 0; p < t; p++) index[b * t + p] = p >= first && p < first + N ? (long) B * t + b * N + k++ : b * t + p;
        }
        GraphBuilder g = new GraphBuilder();
        Value te = g.input("text", DType.F32, "batch", "seq", (long) DT);
        Value im = g.input("image", DType.F32, "batch", (long) N, (long) DT);
        Value idx = g.input("index", DType.I64, "batch", "seq");
        g.output("y", fusion.mergeEmbeddings(g, te, im, idx));
        float[] out = run(g.build(), Map.of(), Map.of("text", Tensor.ofFloats(text, B, t, DT), "image", Tensor.ofFloats(image, B, N, DT),
                "index", Tensor.ofLongs(index, B, t))).get("y").toFloats();
        for (int b = 0; b < B; b++) for (int p = 0; p < t; p++) for (int d = 0; d < DT; d++) {
            int first = b == 0 ? 1 : 2;
            float expected = p >= first && p < first + N ? image[(b * N + p - first) * DT + d] : text[(b * t + p) * DT + d];
            assertThat(out[(b * t + p) * DT + d]).isEqualTo(expected);
        }
    }

    @Test
    void declaresArchitectureA() {
        // the host reads these instead of guessing from the token count
        ProjectorFusion fusion = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        assertThat(fusion.placesTokensInPrompt()).isTrue();
        assertThat(fusion.readsImageEveryStep()).isFalse();
        assertThat(fusion.imageTokens()).isEqualTo(P / F);
    }

    @Test
    void badGeometryIsExplained() {
        assertThatThrownBy(() -> new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 3, 16, DV, H, DT))
                .hasMessage("merge factor 3 does not divide the 16 patch tokens");
        assertThatThrownBy(() -> new ProjectorFusion(ProjectorFusion.Merge.SPATIAL, 4, 12, DV, H, DT))
                .hasMessageContaining("spatial merge needs a square patch grid");
    }

    @Test
    void declaresHuggingFaceLlavaNamesForEveryWeightItBinds() {
        ProjectorFusion f = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        GraphBuilder g = new GraphBuilder();
        g.output("image", f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV)));
        List<String> bound = g.build().weights().keySet().stream().map(q -> q.substring("fusion/".length())).sorted().toList();
        assertThat(f.weightNamings()).hasSize(1);
        var llava = f.weightNamings().get(0);
        assertThat(llava.names().keySet()).containsExactlyInAnyOrderElementsOf(bound);
        assertThat(bound.stream().map(llava::fileName).toList())
                .containsExactly("linear_1.bias", "linear_1.weight", "linear_2.bias", "linear_2.weight");
    }
}
