package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.fusion.projector.ProjectorFusion;
import dev.iris.llm.qwen.Qwen2Config;
import dev.iris.llm.qwen.Qwen2LanguageModel;
import dev.iris.runtime.graph.Differentiator;
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
import org.junit.jupiter.api.Test;

/**
 * The whole training graph (projector, splice, Qwen2 decoder, labelled-row cross-entropy) is
 * differentiated by the runtime; its gradients match central finite differences in float64.
 */
class TrainingGraphGradientTest {

    @Test
    void gradientsOfProjectorAndDecoderWeightsMatchFiniteDifferences() {
        Qwen2Config c = new Qwen2Config(16, 1, 2, 1, 24, 30, 10000.0, 1e-6, true, 64);
        Qwen2LanguageModel llm = new Qwen2LanguageModel(Path.of("unused"), c);
        int patches = 4, visionHidden = 6, imageTokens = 2;
        ProjectorFusion fusion = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 2, patches, visionHidden, 8, 16);
        Graph forward = TrainingGraph.build(llm, fusion, true, visionHidden);
        List<String> trainable = List.of("fusion/linear1.weight", "fusion/linear2.bias", "llm/model.layers.0.self_attn.q_proj.weight",
                "llm/model.norm.weight");
        Graph train = Differentiator.gradients(forward, TrainingGraph.LOSS, trainable);
        CompiledGraph cg = OnnxCompiler.compile(train, DType.F64, trainable);
        Map<String, Tensor> all = new HashMap<>();
        Random rnd = new Random(11);
        forward.weights().forEach((q, v) -> {
            long[] shape = v.shape().sizes();
            double[] d = new double[(int) Tensor.numel(shape)];
            boolean norm = q.contains("norm");
            for (int i = 0; i < d.length; i++) d[i] = norm ? 1 + 0.1 * rnd.nextGaussian() : 0.3 * rnd.nextGaussian();
            all.put(q, Tensor.ofDoubles(d, shape));
        });
        Map<String, Tensor> frozen = new HashMap<>();
        cg.frozen().keySet().forEach(k -> frozen.put(k, all.get(k)));
        // two samples: [text, pad, pad, text, label, label] and a shorter one padded at the end
        Sample a = new Sample("a", new long[] {3, 29, 29, 4, 7, 9}, new long[] {-100, -100, -100, -100, 7, 9}, 2, false, new byte[0]);
        Sample b = new Sample("b", new long[] {5, 29, 29, 11}, new long[] {-100, -100, -100, 11}, 2, false, new byte[0]);
        List<Tensor> feats = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            double[] f = new double[patches * visionHidden];
            for (int k = 0; k < f.length; k++) f[k] = rnd.nextGaussian();
            feats.add(Tensor.ofDoubles(f, patches, visionHidden).toFloating(DType.F32));
        }
        Batch batch = Batch.of(List.of(a, b), ImageFeatures.oneEach(feats), imageTokens, 29);
        assertThat(batch.labelled()).isEqualTo(3);
        Map<String, Tensor> feeds = new HashMap<>(batch.feeds());
        feeds.replaceAll((k, t) -> t.dtype() == DType.F32 ? t.toFloating(DType.F64) : t);
        for (String q : trainable) feeds.put(q, all.get(q));
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            Map<String, Tensor> out = s.run(feeds);
            double eps = 1e-6;
            for (String q : trainable) {
                double[] w = all.get(q).toDoubles();
                double[] grad = out.get(Differentiator.GRAD_PREFIX + q).toDoubles();
                for (int probe = 0; probe < 6; probe++) {
                    int k = rnd.nextInt(w.length);
                    double[] plus = w.clone(), minus = w.clone();
                    plus[k] += eps;
                    minus[k] -= eps;
                    double numeric = (loss(s, feeds, q, plus, all.get(q).shape()) - loss(s, feeds, q, minus, all.get(q).shape())) / (2 * eps);
                    assertThat(grad[k]).as("%s[%d]", q, k).isCloseTo(numeric, within(1e-7 + 1e-6 * Math.abs(numeric)));
                }
            }
        }
    }

    private static double loss(GraphSession s, Map<String, Tensor> feeds, String name, double[] w, long[] shape) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        f.put(name, Tensor.ofDoubles(w, shape));
        return s.run(f, List.of(TrainingGraph.LOSS)).get(TrainingGraph.LOSS).getDouble(0);
    }
}
