package dev.iris.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
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
import dev.iris.testkit.GraphRun;
import dev.iris.testkit.TestWeights;
import dev.iris.testkit.VisionFixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tower's checkpoint names, LLaVA's feature selection (which hidden state, with or without the
 * class token, and only the layers it needs), the pooled output and the size message.
 */
class ClipVisionTowerTest {
    private static final ClipVisionConfig TINY = ClipVisionEncoderContractTest.TINY; // 3 layers, 16 patches, D 32

    private static Graph graph(ClipVisionConfig c, FeatureSelection selection) {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, (long) c.imageSize(), (long) c.imageSize());
        g.output("features", new ClipVisionTower(c).features(g, pixels, selection, "model.vision.vision_feature_layer"));
        return g.build();
    }

    private static Tensor pixels(ClipVisionConfig c, int batch, long seed) {
        Random r = new Random(seed);
        float[] px = new float[batch * 3 * c.imageSize() * c.imageSize()];
        for (int i = 0; i < px.length; i++) px[i] = r.nextFloat() * 2 - 1;
        return Tensor.ofFloats(px, batch, 3, c.imageSize(), c.imageSize());
    }

    /** max |out[b] - expected| over one image's [tokens, D] features. */
    private static double maxDiff(Tensor out, int b, double[][] expected) {
        double[] v = out.toDoubles();
        int n = expected.length, d = expected[0].length;
        assertThat(out.shape()).containsExactly(out.shape()[0], n, d);
        double max = 0;
        for (int t = 0; t < n; t++) for (int j = 0; j < d; j++) max = Math.max(max, Math.abs(v[(b * n + t) * d + j] - expected[t][j]));
        return max;
    }

    private static Set<Integer> layersRequested(Graph g) {
        Set<Integer> layers = new TreeSet<>();
        for (String q : g.weights().keySet()) {
            if (q.startsWith("vision/vision_model.encoder.layers.")) {
                layers.add(Integer.parseInt(q.substring("vision/vision_model.encoder.layers.".length()).split("\\.")[0]));
            }
        }
        return layers;
    }

    @Test
    void requestsTheCheckpointsVisionTensorsUpToTheSelectedLayer() {
        Graph g = graph(TINY, FeatureSelection.LLAVA);
        Map<String, long[]> requested = new LinkedHashMap<>();
        g.weights().forEach((q, v) -> requested.put(q, v.shape().sizes()));
        long d = 32;
        assertThat(requested.get("vision/vision_model.embeddings.patch_embedding.weight")).containsExactly(d, 3, 8, 8);
        assertThat(requested.get("vision/vision_model.embeddings.class_embedding")).containsExactly(d);
        assertThat(requested.get("vision/vision_model.embeddings.position_embedding.weight")).containsExactly(17, d);
        assertThat(requested.get("vision/vision_model.pre_layrnorm.weight")).containsExactly(d);
        assertThat(requested.get("vision/vision_model.encoder.layers.1.mlp.fc1.weight")).containsExactly(48, d);
        assertThat(requested.get("vision/vision_model.encoder.layers.0.self_attn.q_proj.bias")).containsExactly(d);
        // no patch bias in CLIP; post_layernorm only for the pooled output; layer 2 (the last) not run for -2
        assertThat(requested).doesNotContainKeys("vision/vision_model.embeddings.patch_embedding.bias",
                "vision/vision_model.post_layernorm.weight");
        assertThat(layersRequested(g)).containsExactly(0, 1);
        // 4 embedding tensors (patch, class, position, pre_layrnorm x2) + 16 per layer
        assertThat(requested).hasSize(5 + 2 * 16);
    }

    @ParameterizedTest(name = "layer {0} {1}: {2} layers run, {3} tokens")
    @CsvSource({
        "-2, default, 2, 16",
        "-2, full, 2, 17",
        "-1, default, 3, 16",
        "-1, full, 3, 17",
        "0, default, 0, 16",
        "1, full, 1, 17",
        "3, default, 3, 16",
        "-4, full, 0, 17"})
    void theSelectedHiddenStateMatchesThePlainJavaForward(int layer, String strategy, int layersRun, int tokens) {
        FeatureSelection sel = new FeatureSelection(layer, FeatureSelection.Strategy.valueOf(strategy.toUpperCase()));
        Graph g = graph(TINY, sel);
        assertThat(layersRequested(g)).hasSize(layersRun);
        assertThat(g.output("features").shape().toString()).isEqualTo("[batch, " + tokens + ", 32]");
        assertThat(sel.tokens(TINY.patches())).isEqualTo(tokens);
        Map<String, Tensor> w = TestWeights.random(g, 11 + layer, VisionFixtures.VIT_INIT);
        Tensor px = pixels(TINY, 2, 12);
        Tensor out = GraphRun.run(g, w, Map.of("pixels", px), DType.F64).get("features");
        NaiveClipVision naive = new NaiveClipVision(TINY, VisionFixtures.checkpoint(w));
        int plane = 3 * 32 * 32;
        double[] all = px.toDoubles();
        for (int b = 0; b < 2; b++) {
            double[][] expected = naive.features(java.util.Arrays.copyOfRange(all, b * plane, (b + 1) * plane), layer,
                    sel.strategy() == FeatureSelection.Strategy.FULL);
            assertThat(expected).hasNumberOfRows(tokens);
            assertThat(maxDiff(out, b, expected)).as("image %d", b).isLessThan(1e-10);
        }
    }

    @Test
    void aLayerOutsideTheTowerIsRefusedNamingTheKey() {
        for (int layer : new int[] {4, -5, 100}) {
            assertThatThrownBy(() -> graph(TINY, new FeatureSelection(layer, FeatureSelection.Strategy.DEFAULT)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("model.vision.vision_feature_layer: " + layer + " is outside the tower's hidden states:"
                            + " it has 3 layers, so vision_feature_layer must be between -4 and 3"
                            + " (0 = the embeddings after pre_layrnorm, -1 = the last layer's output)");
        }
    }

    @Test
    void pooledOutputIsPostLayernormOfTheLastClassToken() {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, 32L, 32L);
        g.output("pooled", new ClipVisionTower(TINY).pooled(g, pixels));
        Graph graph = g.build();
        assertThat(graph.output("pooled").shape().toString()).isEqualTo("[batch, 32]");
        Map<String, Tensor> w = TestWeights.random(graph, 21, VisionFixtures.VIT_INIT);
        Tensor px = pixels(TINY, 1, 22);
        double[] got = GraphRun.run(graph, w, Map.of("pixels", px), DType.F64).get("pooled").toDoubles();
        double[] expected = new NaiveClipVision(TINY, VisionFixtures.checkpoint(w)).pooled(px.toDoubles());
        for (int j = 0; j < 32; j++) assertThat(got[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-10));
    }

    /** A full CLIP checkpoint: the text tower's tensors (and the projections) are there and never asked for. */
    @Test
    void runsFromAFullCheckpointIgnoringTheTextTower() {
        Graph g = graph(TINY, FeatureSelection.LLAVA);
        Map<String, Tensor> w = TestWeights.random(g, 31, VisionFixtures.VIT_INIT);
        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        w.forEach((q, t) -> checkpoint.put(q.substring("vision/".length()), t.toFloating(DType.F32)));
        checkpoint.put("text_model.embeddings.token_embedding.weight", Tensor.ofFloats(new float[64], 2, 32));
        checkpoint.put("visual_projection.weight", Tensor.ofFloats(new float[32 * 16], 16, 32));
        checkpoint.put("logit_scale", Tensor.ofFloats(new float[] {2.6592f}));
        checkpoint.put("vision_model.post_layernorm.weight", Tensor.ofFloats(new float[32], 32));
        WeightBinder binder = new WeightBinder(Map.of("vision", new MapWeightSource(checkpoint)), 0);
        CompiledGraph compiled = OnnxCompiler.compile(g, DType.F32, List.of());
        Tensor px = pixels(TINY, 1, 32);
        float[] got;
        try (GraphSession s = OrtRuntime.cpu(1).open(compiled, binder.bind(g, compiled.frozen().keySet(), DType.F32))) {
            got = s.run(Map.of("pixels", px)).get("features").toFloats();
        }
        double[][] expected = new NaiveClipVision(TINY, VisionFixtures.checkpoint(w)).features(px.toDoubles(), -2, false);
        assertThat(VisionFixtures.maxDiff(got, expected)).isLessThan(1e-4);
    }

    @Test
    void pixelsOfTheWrongSizeAreRefusedWhenDescribed() {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, 224L, 224L);
        assertThatThrownBy(() -> new ClipVisionTower(TINY).hiddenState(g, pixels, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CLIP vision tower expects pixels [batch, 3, 32, 32], got [batch, 3, 224, 224]");
    }
}
