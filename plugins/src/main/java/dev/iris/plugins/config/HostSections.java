package dev.iris.plugins.config;

import dev.iris.api.config.ConfigField;
import dev.iris.api.config.ConfigSection;
import java.util.List;

/**
 * The top-level sections the plugin host itself reads: {@code model}, {@code runtime},
 * {@code generate} and {@code train}. Other modules declare theirs as {@link ConfigSection}
 * services (the server's {@code serve}, the report's {@code report}).
 */
final class HostSections {
    private HostSections() {}

    static final ConfigSection MODEL = section("model", 0,
            ConfigField.section("vision", "the vision encoder plugin's section"),
            ConfigField.section("llm", "the language model plugin's section"),
            ConfigField.section("fusion", "the fusion plugin's section"));

    static final ConfigSection RUNTIME = section("runtime", 10,
            ConfigField.of("device", "where the model runs (cpu)"),
            ConfigField.of("threads", "intra-op threads of the runtime"),
            ConfigField.of("weights", "how LLM weights are held in memory (fp32 or int8)"));

    static final ConfigSection GENERATE = section("generate", 20,
            ConfigField.of("system", "system turn of every prompt (absent: none)"),
            ConfigField.of("max_new_tokens", "tokens generated at most"),
            ConfigField.of("temperature", "sampling temperature (0: greedy)"),
            ConfigField.of("top_k", "sample among the k likeliest tokens"),
            ConfigField.of("top_p", "sample among the likeliest tokens up to this probability"),
            ConfigField.of("repetition_penalty", "divides the logits of tokens already produced"),
            ConfigField.of("seed", "seed of the sampler"));

    static final ConfigSection TRAIN = section("train", 30,
            ConfigField.section("dataset", "the training dataset plugin's section"),
            ConfigField.of("stage", "pretrain, finetune or lm"),
            ConfigField.of("system", "system turn of every sample (absent: none)"),
            ConfigField.of("prompts", "instructions a sample's question is drawn from"),
            ConfigField.of("optimizer", "adamw or sgd"),
            ConfigField.of("weight_decay", "decoupled weight decay"),
            ConfigField.of("schedule", "learning-rate schedule"),
            ConfigField.of("lr", "peak learning rate"),
            ConfigField.of("warmup_steps", "steps of linear warm-up"),
            ConfigField.of("max_grad_norm", "gradient clipping norm (0: none)"),
            ConfigField.of("batch_size", "samples per pass"),
            ConfigField.of("grad_accum", "passes per optimizer step"),
            ConfigField.of("epochs", "passes over the dataset (or steps)"),
            ConfigField.of("steps", "optimizer steps (or epochs)"),
            ConfigField.of("shuffle", "shuffle the dataset each epoch"),
            ConfigField.of("seed", "seed of shuffling, prompts and initialisation"),
            ConfigField.of("save_every", "steps between checkpoints (0: only at the end)"),
            ConfigField.path("output", "the run folder"),
            ConfigField.section("eval_dataset", "the held-out dataset plugin's section"),
            ConfigField.of("max_length", "longest sample in tokens"),
            ConfigField.path("feature_cache", "folder of cached vision features"),
            ConfigField.of("log_every", "steps between progress lines"),
            ConfigField.of("lm_context", "stage lm: none, or caption_words (the caption's words shuffled in the prompt)"),
            ConfigField.of("recompute", "recompute activations in the backward pass (less memory, more time)"),
            ConfigField.section("lora", "low-rank adapters on the LLM: rank, alpha, dropout, targets"),
            ConfigField.path("features", "output folder of the Spark features job: train from its features, no vision tower"));

    static List<ConfigSection> all() {
        return List.of(MODEL, RUNTIME, GENERATE, TRAIN);
    }

    private static ConfigSection section(String name, int order, ConfigField... fields) {
        return ConfigSection.of(name, order, List.of(fields));
    }
}
