package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.fusion.projector.ProjectorFusion;
import dev.iris.llm.qwen.Qwen2Config;
import dev.iris.llm.qwen.Qwen2LanguageModel;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training samples and generation prompts share one layout; image positions never reach the embedding table. */
class SampleLayoutTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    Path dir;

    @Test
    void aTrainingSampleIsTheGenerationPromptThenTheCaptionAndEndOfTurn() {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
        String yaml = """
                model:
                  vision: { type: siglip, path: %s }
                  llm:    { type: qwen2,  path: %s }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                """.formatted(dir.resolve("models/vision"), dir.resolve("models/llm"));
        IrisConfig cfg = new ConfigLoader().parse(yaml, "test.yaml", dir, List.of());
        byte[] image = {1, 2, 3};   // never decoded: rendering and tokenizing only
        Optional<String> system = Optional.of("You are a helpful medical assistant.");
        String instruction = "Describe the image concisely.", caption = "A red circle above a blue square.";
        try (VisionLanguageModel m = VisionLanguageModel.load(cfg, REGISTRY)) {
            var llm = m.parts().llm();
            Sample s = SampleBuilder.of(llm, m.parts().fusion(), true, system, List.of(instruction), 512).build("r", caption, image, new Random(0));
            long[] prompt = m.promptIds(VisionLanguageModel.Request.question(system, instruction, Optional.of(image), "x.png"));
            long[] answer = llm.tokenizer().encode(caption + llm.chatTemplate().endOfTurn());
            assertThat(s.ids()).containsExactly(LongStream.concat(LongStream.of(prompt), LongStream.of(answer)).toArray());
            assertThat(LongStream.of(prompt).filter(id -> id == llm.imageToken().id()).count()).isEqualTo(16);
            // the tutorial's layout: the instruction's newline, then the pads, then the end of the turn
            String text = llm.tokenizer().decode(prompt, false);
            assertThat(text).contains(instruction + "\n" + "<|image_pad|>".repeat(16) + "<|im_end|>").doesNotContain("<|vision_start|>");
        }
    }

    @Test
    void anImageTokenPastTheEmbeddingTableTrainsLikeAnyOther() {
        // vocabulary of 30 rows: the pad id 29 is in the table, 5000 is not
        Qwen2Config c = new Qwen2Config(16, 1, 2, 1, 24, 30, 10000.0, 1e-6, true, 64);
        Qwen2LanguageModel llm = new Qwen2LanguageModel(Path.of("unused"), c);
        ProjectorFusion fusion = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 2, 4, 6, 8, 16);
        Graph graph = TrainingGraph.build(llm, fusion, true, 6);
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of());
        Random rnd = new Random(5);
        Map<String, Tensor> weights = new HashMap<>();
        graph.weights().forEach((q, v) -> {
            float[] w = new float[(int) Tensor.numel(v.shape().sizes())];
            for (int i = 0; i < w.length; i++) w[i] = q.contains("norm") ? 1f : (float) (0.3 * rnd.nextGaussian());
            if (cg.frozen().containsKey(q)) weights.put(q, Tensor.ofFloats(w, v.shape().sizes()));
        });
        List<Tensor> feats = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            float[] f = new float[4 * 6];
            for (int k = 0; k < f.length; k++) f[k] = (float) rnd.nextGaussian();
            feats.add(Tensor.ofFloats(f, 4, 6));
        }
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, weights)) {
            double inTable = loss(s, feats, 29), pastTable = loss(s, feats, 5000);
            assertThat(pastTable).isFinite().isEqualTo(inTable);
        }
    }

    private static double loss(GraphSession s, List<Tensor> feats, long pad) {
        Sample a = new Sample("a", new long[] {3, pad, pad, 4, 7, 9}, new long[] {-100, -100, -100, -100, 7, 9}, 2, false, new byte[0]);
        Sample b = new Sample("b", new long[] {5, pad, pad, 11}, new long[] {-100, -100, -100, 11}, 2, false, new byte[0]);
        Batch batch = Batch.of(List.of(a, b), ImageFeatures.oneEach(feats), 2, pad);
        long[] ids = batch.feeds().get(TrainingGraph.IDS).toLongs();
        assertThat(Arrays.stream(ids).max().getAsLong()).isLessThan(30);
        return s.run(batch.feeds()).get(TrainingGraph.LOSS).toFloats()[0];
    }
}
