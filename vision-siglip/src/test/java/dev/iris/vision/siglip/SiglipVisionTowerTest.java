package dev.iris.vision.siglip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.vision.ImageProcessor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import dev.iris.testkit.NaiveVisionEncoder;
import dev.iris.testkit.VitEncoderContract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SigLIP encoder on the vision-encoder contract (ORT against a plain-Java forward pass in
 * float32 and float64, preprocessing, bad images, bad sizes), plus the checkpoint's tensor names,
 * the patch order and the tower's own size message.
 */
class SiglipVisionTowerTest extends VitEncoderContract {
    private static final OrtRuntime ORT = OrtRuntime.cpu(1);
    private static final int BATCH = 2;

    /** Small but with every feature exercised: 16 patches, 4 heads of 8, a non-square MLP. */
    static final SiglipVisionConfig TINY = new SiglipVisionConfig(32, 48, 2, 4, 3, 32, 8, 1e-6, "gelu_pytorch_tanh");

    @Override
    protected VisionEncoder createEncoder() {
        return new SiglipVisionEncoder(TINY, new ImageProcessor(SiglipVisionEncoder.defaultsFor(TINY)));
    }

    @Override
    protected NaiveVisionEncoder naiveForward() {
        return (weights, pixels) -> {
            Map<String, float[]> w = new LinkedHashMap<>();
            weights.forEach((q, t) -> w.put(q.substring("vision/".length()), t.toFloats()));
            float[] px = new float[pixels.length];
            for (int i = 0; i < px.length; i++) px[i] = (float) pixels[i];
            return new NaiveSiglipVision(TINY, w).lastHiddenState(px);
        };
    }

    /** The checkpoint's vision tensors with their shapes, as google/siglip-base-patch16-224 lays them out. */
    static Map<String, long[]> expectedShapes(SiglipVisionConfig c) {
        long d = c.hiddenSize(), f = c.intermediateSize(), p = c.patchSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("vision_model.embeddings.patch_embedding.weight", new long[] {d, c.channels(), p, p});
        m.put("vision_model.embeddings.patch_embedding.bias", new long[] {d});
        m.put("vision_model.embeddings.position_embedding.weight", new long[] {c.patches(), d});
        for (int l = 0; l < c.layers(); l++) {
            String pre = "vision_model.encoder.layers." + l + ".";
            for (String ln : List.of("layer_norm1", "layer_norm2")) {
                m.put(pre + ln + ".weight", new long[] {d});
                m.put(pre + ln + ".bias", new long[] {d});
            }
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                m.put(pre + "self_attn." + proj + ".weight", new long[] {d, d});
                m.put(pre + "self_attn." + proj + ".bias", new long[] {d});
            }
            m.put(pre + "mlp.fc1.weight", new long[] {f, d});
            m.put(pre + "mlp.fc1.bias", new long[] {f});
            m.put(pre + "mlp.fc2.weight", new long[] {d, f});
            m.put(pre + "mlp.fc2.bias", new long[] {d});
        }
        m.put("vision_model.post_layernorm.weight", new long[] {d});
        m.put("vision_model.post_layernorm.bias", new long[] {d});
        return m;
    }

    static Map<String, float[]> randomWeights(SiglipVisionConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        expectedShapes(c).forEach((name, shape) -> {
            int n = (int) Tensor.numel(shape);
            boolean norm = name.contains("layer_norm") || name.contains("layernorm");
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                // norm gains around 1; weights large enough that GELU and softmax work off their linear range
                if (norm && name.endsWith(".weight")) a[i] = (float) (1 + 0.2 * r.nextGaussian());
                else if (name.endsWith(".bias")) a[i] = (float) (0.1 * r.nextGaussian());
                else a[i] = (float) (r.nextGaussian() / Math.sqrt(shape.length == 4 ? n / shape[0] : shape[shape.length - 1]) * 1.5);
            }
            w.put(name, a);
        });
        return w;
    }

    private static Graph graph(SiglipVisionConfig c) {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", (long) c.channels(), (long) c.imageSize(), (long) c.imageSize());
        g.output("last_hidden_state", new SiglipVisionTower(c).forward(g, pixels));
        return g.build();
    }

    /** Runs the graph with weights from a checkpoint-like source (which also holds tensors never asked for). */
    private static Tensor run(Graph graph, Map<String, float[]> w, Tensor pixels, DType precision) {
        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        graph.weights().forEach((q, v) -> {
            String name = q.substring("vision/".length());
            checkpoint.put(name, Tensor.ofFloats(w.get(name), v.shape().sizes()));
        });
        checkpoint.put("vision_model.head.probe", Tensor.ofFloats(new float[32], 1, 1, 32));
        checkpoint.put("text_model.final_layer_norm.weight", Tensor.ofFloats(new float[32], 32));
        WeightBinder binder = new WeightBinder(Map.of("vision", new MapWeightSource(checkpoint)), 0);
        CompiledGraph compiled = OnnxCompiler.compile(graph, precision, List.of());
        try (GraphSession s = ORT.open(compiled, binder.bind(graph, compiled.frozen().keySet(), precision))) {
            return s.run(Map.of("pixels", pixels)).get("last_hidden_state");
        }
    }

    @Test
    void requestsExactlyTheCheckpointsVisionTensors() {
        Graph graph = graph(TINY);
        Map<String, long[]> requested = new LinkedHashMap<>();
        graph.weights().forEach((q, v) -> requested.put(q, v.shape().sizes()));
        Map<String, long[]> expected = new LinkedHashMap<>();
        expectedShapes(TINY).forEach((name, shape) -> expected.put("vision/" + name, shape));
        assertThat(requested.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((q, shape) -> assertThat(requested.get(q)).as(q).containsExactly(shape));
        assertThat(graph.output("last_hidden_state").shape().toString()).isEqualTo("[batch, 16, 32]");
    }

    @Test
    void patchOrderIsRowMajorOverTheImage() {
        // a conv kernel that copies one pixel of each patch: token gy*grid+gx must see patch (gy, gx)
        SiglipVisionConfig c = new SiglipVisionConfig(4, 4, 1, 1, 3, 16, 4, 1e-6, "gelu_pytorch_tanh");
        Map<String, float[]> w = randomWeights(c, 5);
        float[] kernel = new float[4 * 3 * 4 * 4];
        kernel[((0 * 3 + 2) * 4 + 1) * 4 + 3] = 1; // output 0 reads channel 2, row 1, column 3
        w.put("vision_model.embeddings.patch_embedding.weight", kernel);
        w.put("vision_model.embeddings.patch_embedding.bias", new float[4]);
        w.put("vision_model.embeddings.position_embedding.weight", new float[16 * 4]);
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, 16L, 16L);
        g.output("last_hidden_state", new SiglipVisionTower(c).embeddings(g, pixels));
        float[] px = new float[BATCH * 3 * 16 * 16];
        for (int i = 0; i < px.length; i++) px[i] = i;
        float[] got = run(g.build(), w, Tensor.ofFloats(px, BATCH, 3, 16, 16), DType.F32).toFloats();
        for (int b = 0; b < BATCH; b++) for (int gy = 0; gy < 4; gy++) for (int gx = 0; gx < 4; gx++) {
            int token = gy * 4 + gx;
            float expected = px[((b * 3 + 2) * 16 + gy * 4 + 1) * 16 + gx * 4 + 3];
            assertThat(got[(b * 16 + token) * 4]).as("image %d patch (%d, %d)", b, gy, gx).isEqualTo(expected);
        }
    }

    @Test
    void pixelsOfTheWrongSizeAreRefusedWhenDescribed() {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, 224L, 224L);
        assertThatThrownBy(() -> new SiglipVisionTower(TINY).forward(g, pixels))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SigLIP vision tower expects pixels [batch, 3, 32, 32], got [batch, 3, 224, 224]");
    }
}
