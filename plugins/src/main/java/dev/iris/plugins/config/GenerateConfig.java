package dev.iris.plugins.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code generate} section, with the defaults the README's "Configuration" section lists.
 *
 * <p>Build one from the defaults and name what differs, e.g.
 * {@code GenerateConfig.defaults().withMaxNewTokens(12).withSeed(7)}: seven positional numbers
 * are easy to swap unnoticed.
 *
 * @param system {@code system}: the system turn; absent means none
 * @param maxNewTokens {@code max_new_tokens}, default 256
 * @param temperature {@code temperature}, default 0.0 (greedy)
 * @param topK {@code top_k}, default 0 (off)
 * @param topP {@code top_p}, default 1.0 (off)
 * @param repetitionPenalty {@code repetition_penalty}, default 1.0 (off)
 * @param seed {@code seed}, default 0
 */
public record GenerateConfig(
        Optional<String> system,
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        int seed) {

    public static final GenerateConfig DEFAULTS = new GenerateConfig(Optional.empty(), 256, 0.0, 0, 1.0, 1.0, 0);

    /** The defaults: no system turn, 256 new tokens, greedy, no top-k/top-p, no repetition penalty, seed 0. */
    public static GenerateConfig defaults() {
        return DEFAULTS;
    }

    public GenerateConfig withSystem(Optional<String> system) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withSystem(String system) {
        return withSystem(Optional.of(system));
    }

    public GenerateConfig withMaxNewTokens(int maxNewTokens) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withTemperature(double temperature) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withTopK(int topK) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withTopP(double topP) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withRepetitionPenalty(double repetitionPenalty) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public GenerateConfig withSeed(int seed) {
        return new GenerateConfig(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    public boolean greedy() {
        return temperature == 0.0;
    }

    /** The values as a config file writes them (an absent system turn is {@code null}). */
    public Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system.orElse(null));
        m.put("max_new_tokens", maxNewTokens);
        m.put("temperature", temperature);
        m.put("top_k", topK);
        m.put("top_p", topP);
        m.put("repetition_penalty", repetitionPenalty);
        m.put("seed", seed);
        return m;
    }

    static GenerateConfig from(SectionConfig s) {
        GenerateConfig d = DEFAULTS;
        return d.withSystem(s.optString("system"))
                .withMaxNewTokens(s.integerIn("max_new_tokens", d.maxNewTokens(), 1, Integer.MAX_VALUE))
                .withTemperature(s.numberWhere("temperature", d.temperature(), v -> v >= 0, "a number >= 0"))
                .withTopK(s.integerIn("top_k", d.topK(), 0, Integer.MAX_VALUE))
                .withTopP(s.numberWhere("top_p", d.topP(), v -> v > 0 && v <= 1, "a number in (0, 1]"))
                .withRepetitionPenalty(s.numberWhere("repetition_penalty", d.repetitionPenalty(), v -> v > 0, "a number > 0"))
                .withSeed(s.integer("seed", d.seed()));
    }
}
