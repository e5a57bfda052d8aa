package dev.iris.evaluation;

import static dev.iris.training.Stats.median;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.training.LlavaPrompts;
import dev.iris.training.TrainingGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What {@code compare} measures on one trained side besides its evaluation: generation timings
 * over the first held-out images (after warm-up, greedy), the image tokens and prompt length,
 * and whether text-only prompts give exactly the language model's own output.
 */
final class SideMeasurement {
    /** Generations run before timing (graph compilation, allocator and JIT warm-up). */
    static final int WARMUP_GENERATIONS = 2;
    static final int TIMED_IMAGES = 5;
    static final int TIMED_NEW_TOKENS = 16;
    /** Text-only prompts for the "does the fusion leave text alone" check. */
    static final List<String> TEXT_ONLY_PROMPTS = List.of(
            "What colours can a shape have?", "Write one sentence about circles.", "Hello! Who are you?");

    private SideMeasurement() {}

    record Measured(int imageTokens, boolean readsImageEveryStep, int promptTokensWithImage, double imageEncodeMs, double prefillMs,
                    double decodeMsPerToken, boolean textOnlyEqualsBase) {}

    /**
     * Timings over the first held-out images (after warm-up) and the text-only check: the trained
     * model's greedy text-only answers against those of its language model run alone, without the
     * fusion in the graph (see {@link LanguageModelAlone}).
     */
    static Measured measure(IrisConfig trained, IrisConfig cfg, PluginRegistry registry) {
        TrainConfig tc = cfg.train();
        String instruction = tc.prompts().orElse(LlavaPrompts.DETAILED).get(0);
        GenerateConfig greedy = GenerateConfig.defaults().withSystem(tc.system()).withMaxNewTokens(TIMED_NEW_TOKENS);
        boolean withImages = TrainingGraph.usesImages(tc.stage());
        List<Double> encode = new ArrayList<>(), prefill = new ArrayList<>(), decode = new ArrayList<>();
        int imageTokens, promptTokens = 0;
        boolean everyStep;
        boolean same = true;
        try (VisionLanguageModel model = VisionLanguageModel.load(trained, registry)) {
            model.prepare();
            imageTokens = model.parts().fusion().imageTokens();
            everyStep = model.parts().fusion().readsImageEveryStep();
            List<Dataset.Example> images = timedExamples(cfg, registry, withImages ? model.parts().vision() : null);
            for (int i = 0; i < WARMUP_GENERATIONS; i++) generate(model, images.get(0), withImages, instruction, greedy);
            for (Dataset.Example e : images) {
                GenerationResult r = generate(model, e, withImages, instruction, greedy);
                encode.add(r.imageEncodeMs());
                prefill.add(r.prefillMs());
                decode.addAll(r.decodeMs());
                promptTokens = r.promptIds().length;
            }
            // the same prompt ids, continued by the language model alone: the fusion must not change a single id
            SessionFactory llmOnly = new SessionFactory(new OrtRuntime(trained.runtime().device(), trained.runtime().threads()),
                    model.parts().sources(), trained.generate().seed());
            try (LanguageModelAlone alone = new LanguageModelAlone(model.parts().llm(), llmOnly, model.parts()::adapt)) {
                for (String p : TEXT_ONLY_PROMPTS) {
                    GenerationResult r = model.generate(Optional.empty(), "", p, greedy, s -> {});
                    same &= Arrays.equals(r.generatedIds(), alone.generate(r.promptIds(), greedy.maxNewTokens()));
                }
            }
        }
        return new Measured(imageTokens, everyStep, promptTokens, median(encode), median(prefill), median(decode), same);
    }

    /** The first held-out examples whose images decode (the evaluation has listed the others). */
    private static List<Dataset.Example> timedExamples(IrisConfig cfg, PluginRegistry registry, VisionEncoder vision) {
        List<Dataset.Example> images = new ArrayList<>();
        try (Dataset.Examples ex = Evaluator.heldOut(cfg, registry).open()) {
            while (ex.hasNext() && images.size() < TIMED_IMAGES) {
                Dataset.Example e = ex.next();
                if (vision != null && e.images().size() != 1) continue;   // timed with one image per prompt
                try {
                    if (vision != null) vision.preprocess(e.firstImage(), "image of row " + e.id());
                    images.add(e);
                } catch (InvalidImageException skipped) {
                    // not timed: it cannot be generated from
                }
            }
        }
        if (images.isEmpty()) throw new IrisException("train.eval_dataset has no usable examples to time generation with");
        return images;
    }

    private static GenerationResult generate(VisionLanguageModel model, Dataset.Example e, boolean withImage, String instruction,
                                             GenerateConfig cfg) {
        return model.generate(withImage ? Optional.of(e.firstImage()) : Optional.empty(), "image of row " + e.id(), instruction, cfg, s -> {});
    }
}
