package dev.iris.plugins.config;

import dev.iris.api.config.ComponentConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code train} section, with the defaults the README's "Configuration" section lists.
 *
 * @param dataset {@code dataset}: the dataset plugin's section (required)
 * @param stage {@code stage}, default {@code pretrain}
 * @param system {@code system}: absent means no system turn
 * @param prompts {@code prompts}: absent means the LLaVA pretraining instructions
 * @param optimizer {@code optimizer}, default {@code adamw}
 * @param weightDecay {@code weight_decay}, default 0.0
 * @param schedule {@code schedule}, default {@code cosine}
 * @param lr {@code lr}, default 1.0e-4
 * @param warmupSteps {@code warmup_steps}, default 500
 * @param maxGradNorm {@code max_grad_norm}, default 1.0 (0 = no clipping)
 * @param batchSize {@code batch_size}, default 8
 * @param gradAccum {@code grad_accum}, default 4
 * @param length {@code epochs: N} or {@code steps: N} (not both), default 1 epoch
 * @param shuffle {@code shuffle}, default true
 * @param seed {@code seed}, default 0
 * @param saveEvery {@code save_every}: steps between checkpoints, default 500 (0 = only at the end)
 * @param output {@code output}: the run folder (required)
 * @param evalDataset {@code eval_dataset}: the held-out dataset's section, for {@code iris eval} and the quickstart
 * @param maxLength {@code max_length}: longest sample in tokens, default 512 (longer ones lose caption tokens from the end)
 * @param featureCache {@code feature_cache}: folder of cached vision features, default {@code feature-cache} beside the run folder
 * @param logEvery {@code log_every}: steps between progress lines and metrics records, default 10
 * @param lmContext {@code lm_context}: what stage {@code lm} shows where an image would be, default {@code none}
 * @param recompute {@code recompute}: the share of activations recomputed in the backward pass instead of held, from 0
 *                  ({@code false}) to 1 ({@code true}); default {@link #DEFAULT_RECOMPUTE}
 * @param lora {@code lora}: low-rank adapters on the language model instead of training its weights (absent: none)
 * @param features {@code features}: the output folder of the Spark {@code features} job; training reads the vision
 *                 features from it and never runs the vision tower (absent: features are computed and cached here)
 */
public record TrainConfig(
        ComponentConfig dataset,
        Stage stage,
        Optional<String> system,
        Optional<List<String>> prompts,
        Optimizer optimizer,
        double weightDecay,
        Schedule schedule,
        double lr,
        int warmupSteps,
        double maxGradNorm,
        int batchSize,
        int gradAccum,
        Length length,
        boolean shuffle,
        int seed,
        int saveEvery,
        Path output,
        Optional<ComponentConfig> evalDataset,
        int maxLength,
        Optional<Path> featureCache,
        int logEvery,
        LmContext lmContext,
        double recompute,
        Optional<LoraConfig> lora,
        Optional<Path> features) {

    /** What is trained: the fusion module; fusion + language model; or the language model on text alone. */
    public enum Stage { PRETRAIN, FINETUNE, LM }

    public enum Optimizer { ADAMW, SGD }

    public enum Schedule { COSINE, CONSTANT, LINEAR }

    /**
     * What stage {@code lm} puts in the user turn where an image would go: nothing, or the
     * caption's words in a shuffled order, so the language model learns to write its answer
     * from what its prompt holds (a frozen LLM must do that with image tokens in stage 1).
     */
    public enum LmContext { NONE, CAPTION_WORDS }

    /** How long to train. */
    public sealed interface Length permits Epochs, Steps {}

    public record Epochs(int count) implements Length {}

    public record Steps(int count) implements Length {}

    /**
     * The values as a config file writes them: plugin sections as given, paths as absolute text,
     * {@code null} for what is absent (no system turn, the LLaVA prompts, no eval dataset, the
     * default feature cache), and {@code epochs} or {@code steps}, whichever applies.
     */
    public Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset.values());
        m.put("stage", lower(stage));
        m.put("system", system.orElse(null));
        m.put("prompts", prompts.orElse(null));
        m.put("optimizer", lower(optimizer));
        m.put("weight_decay", weightDecay);
        m.put("schedule", lower(schedule));
        m.put("lr", lr);
        m.put("warmup_steps", warmupSteps);
        m.put("max_grad_norm", maxGradNorm);
        m.put("batch_size", batchSize);
        m.put("grad_accum", gradAccum);
        switch (length) {
            case Epochs e -> m.put("epochs", e.count());
            case Steps s -> m.put("steps", s.count());
        }
        m.put("shuffle", shuffle);
        m.put("seed", seed);
        m.put("save_every", saveEvery);
        m.put("output", output.toString());
        m.put("eval_dataset", evalDataset.map(ComponentConfig::values).orElse(null));
        m.put("max_length", maxLength);
        m.put("feature_cache", featureCache.map(Path::toString).orElse(null));
        m.put("log_every", logEvery);
        m.put("lm_context", lower(lmContext));
        m.put("recompute", recompute);
        m.put("lora", lora.map(LoraConfig::values).orElse(null));
        m.put("features", features.map(Path::toString).orElse(null));
        return m;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Half of the activations recomputed: on Qwen2.5-0.5B + SigLIP-base stage 1 (batch 8 x 130
     * tokens, 2 cores) 4.4 GB at about 8 % below the speed of keeping everything (5.7 GB), where
     * recomputing all of them takes 3.3 GB at about 21 % below it (README, Benchmarks).
     */
    public static final double DEFAULT_RECOMPUTE = 0.5;

    static TrainConfig from(SectionConfig s) {
        Length length;
        if (s.has("epochs") && s.has("steps")) {
            throw s.error("steps", "set either epochs or steps, not both");
        } else if (s.has("steps")) {
            length = new Steps(s.integerIn("steps", 0, 1, Integer.MAX_VALUE));
        } else {
            length = new Epochs(s.integerIn("epochs", 1, 1, Integer.MAX_VALUE));
        }
        return new TrainConfig(
                s.section("dataset"),
                s.choice("stage", Stage.class, Stage.PRETRAIN),
                s.optString("system"),
                s.has("prompts") ? Optional.of(s.strings("prompts", List.of())) : Optional.empty(),
                s.choice("optimizer", Optimizer.class, Optimizer.ADAMW),
                s.numberWhere("weight_decay", 0.0, v -> v >= 0, "a number >= 0"),
                s.choice("schedule", Schedule.class, Schedule.COSINE),
                s.numberWhere("lr", 1.0e-4, v -> v > 0, "a number > 0"),
                s.integerIn("warmup_steps", 500, 0, Integer.MAX_VALUE),
                s.numberWhere("max_grad_norm", 1.0, v -> v >= 0, "a number >= 0"),
                s.integerIn("batch_size", 8, 1, Integer.MAX_VALUE),
                s.integerIn("grad_accum", 4, 1, Integer.MAX_VALUE),
                length,
                s.bool("shuffle", true),
                s.integer("seed", 0),
                s.integerIn("save_every", 500, 0, Integer.MAX_VALUE),
                s.path("output"),
                s.has("eval_dataset") ? Optional.of(s.section("eval_dataset")) : Optional.empty(),
                s.integerIn("max_length", 512, 8, Integer.MAX_VALUE),
                s.optPath("feature_cache"),
                s.integerIn("log_every", 10, 1, Integer.MAX_VALUE),
                s.choice("lm_context", LmContext.class, LmContext.NONE),
                recompute(s),
                s.has("lora") ? Optional.of(LoraConfig.from(s.section("lora"))) : Optional.empty(),
                s.optPath("features"));
    }

    /** {@code recompute}: true (1), false (0) or a share in [0, 1]. */
    private static double recompute(SectionConfig s) {
        Object v = s.values().get("recompute");
        if (v == null) return DEFAULT_RECOMPUTE;
        if (v instanceof Boolean || v instanceof String t && (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false"))) {
            return s.bool("recompute", true) ? 1 : 0;
        }
        return s.numberWhere("recompute", 1, x -> x >= 0 && x <= 1, "true, false or a share in [0, 1]");
    }
}
