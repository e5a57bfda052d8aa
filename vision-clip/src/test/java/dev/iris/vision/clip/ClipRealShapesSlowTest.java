package dev.iris.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real-shape presets run once end to end (folder, processor, graph, ORT) with random weights:
 * CLIP-B/16 (196 tokens) and CLIP-L/14-336 (576 tokens, 23 of 24 layers for LLaVA's -2).
 * Slow and memory-hungry (1.2 GB of weights for L/336), so only with {@code -Diris.slow=true}.
 */
@EnabledIfSystemProperty(named = "iris.slow", matches = "true")
class ClipRealShapesSlowTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {ClipPresets.BASE_16, ClipPresets.LARGE_14_336})
    void encodesOneImage(String preset) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve(preset));
        for (var f : ClipPresets.files(preset).entrySet()) Files.writeString(folder.resolve(f.getKey()), f.getValue());
        ClipVisionEncoder enc = ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "model.vision.vision_feature_layer");
        int s = enc.imageSize();

        GraphBuilder g = new GraphBuilder();
        g.output("features", enc.encode(g, g.input("pixels", DType.F32, "batch", 3L, (long) s, (long) s)));
        Graph graph = g.build();
        SplittableRandom r = new SplittableRandom(1);
        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        graph.weights().forEach((q, v) -> {
            long[] shape = v.shape().sizes();
            float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
            boolean gain = q.contains("norm") && q.endsWith(".weight");
            for (int i = 0; i < a.length; i++) a[i] = gain ? 1f : (float) ((r.nextDouble() - 0.5) * 0.04);
            checkpoint.put(q.substring("vision/".length()), Tensor.ofFloats(a, shape));
        });
        BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 480; y++) for (int x = 0; x < 640; x++) img.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | (x ^ y) & 255);
        Tensor px = enc.preprocess(img);

        long t0 = System.nanoTime();
        CompiledGraph compiled = OnnxCompiler.compile(graph, DType.F32, List.of());
        WeightBinder binder = new WeightBinder(Map.of("vision", new MapWeightSource(checkpoint)), 0);
        try (GraphSession session = OrtRuntime.cpu(2).open(compiled, binder.bind(graph, compiled.frozen().keySet(), DType.F32))) {
            long t1 = System.nanoTime();
            Tensor input = Tensor.ofFloats(px.toFloats(), 1, 3, s, s);
            session.run(Map.of("pixels", input));
            long t2 = System.nanoTime();
            Tensor out = session.run(Map.of("pixels", input)).get("features");
            long t3 = System.nanoTime();
            assertThat(out.shape()).containsExactly(1, enc.tokens(), enc.hiddenSize());
            for (float v : out.toFloats()) assertThat(Float.isFinite(v)).isTrue();
            System.out.printf("%s: %d layers run, %d tokens x %d; load %.1f s, first image %.0f ms, second %.0f ms%n", preset,
                    enc.layersRun(), enc.tokens(), enc.hiddenSize(), (t1 - t0) / 1e9, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        }
    }
}
