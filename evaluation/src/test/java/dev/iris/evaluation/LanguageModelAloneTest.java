package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.session.SessionFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baseline of compare's text-only check: the language model run alone (no fusion in its
 * graph) continues a prompt as the whole model does without an image, and a different language
 * model does not, so the check can come out false.
 */
class LanguageModelAloneTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static final GenerateConfig GREEDY = GenerateConfig.defaults().withMaxNewTokens(12);

    @Test
    void continuesTextOnlyPromptsAsTheWholeModelDoesAndTellsAnotherModelApart(@TempDir Path dir) throws Exception {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("m0"), 0);
        IrisConfig cfg = new ConfigLoader().load(dir.resolve("m0/iris.yaml"), List.of());
        OrtRuntime cpu = OrtRuntime.cpu(1);
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, REGISTRY);
             LanguageModelAlone alone = new LanguageModelAlone(model.parts().llm(), new SessionFactory(cpu, model.parts().sources(), 0));
             LanguageModelAlone stranger = new LanguageModelAlone(model.parts().llm(),
                     new SessionFactory(cpu, Map.of("llm", redrawn(model.parts().sources().get("llm"))), 0))) {
            for (String prompt : SideMeasurement.TEXT_ONLY_PROMPTS) {
                GenerationResult r = model.generate(Optional.empty(), "", prompt, GREEDY, s -> {});
                assertThat(r.generatedIds()).isNotEmpty();
                assertThat(alone.generate(r.promptIds(), GREEDY.maxNewTokens())).as(prompt).containsExactly(r.generatedIds());
                assertThat(stranger.generate(r.promptIds(), GREEDY.maxNewTokens())).as(prompt).isNotEqualTo(r.generatedIds());
            }
        }
    }

    /** Every tensor of {@code source} drawn again at random (same names and shapes): another language model. */
    private static WeightSource redrawn(WeightSource source) {
        Random random = new Random(7);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : source.names()) {
            long[] shape = source.info(name).orElseThrow().shape();
            float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
            for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
            tensors.put(name, Tensor.ofFloats(v, shape));
        }
        return new MapWeightSource(tensors);
    }
}
