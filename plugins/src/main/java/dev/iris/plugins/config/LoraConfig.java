package dev.iris.plugins.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code train.lora} section: low-rank adapters on the language model's linear layers, with
 * PEFT's {@code LoraConfig} defaults ({@code r=8}, {@code lora_alpha=8}, {@code lora_dropout=0}).
 * The targets name modules as PEFT's {@code target_modules} do (the host knows no model family,
 * so they are required).
 *
 * @param rank    {@code rank}: the adapters' rank r, default 8
 * @param alpha   {@code alpha}: updates are scaled by alpha / rank, default 8
 * @param dropout {@code dropout}: dropout on the adapters' input, default 0 (PEFT's default)
 * @param targets {@code targets}: module names of the linear layers to adapt, or {@code all-linear} (required)
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets) {
    static final List<String> FIELDS = List.of("rank", "alpha", "dropout", "targets");

    public LoraConfig {
        targets = List.copyOf(targets);
    }

    public Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", rank);
        m.put("alpha", alpha);
        m.put("dropout", dropout);
        m.put("targets", targets);
        return m;
    }

    static LoraConfig from(SectionConfig s) {
        List<String> unknown = new ArrayList<>();
        for (String k : s.values().keySet()) if (!FIELDS.contains(k)) unknown.add(k);
        if (!unknown.isEmpty()) {
            throw s.error(unknown.get(0), "unknown field" + Suggestion.hint(unknown.get(0), FIELDS) + " (known: " + String.join(", ", FIELDS) + ")");
        }
        List<String> targets = s.strings("targets", List.of());
        if (targets.isEmpty()) {
            throw s.error("targets", "required: the module names of the linear layers to adapt, as PEFT's target_modules"
                    + " (the last part of a weight's name without .weight)");
        }
        for (String t : targets) if (t.isBlank()) throw s.error("targets", "a target is empty");
        int rank = s.integerIn("rank", 8, 1, Integer.MAX_VALUE);
        double alpha = s.numberWhere("alpha", 8, v -> v > 0, "a number > 0");
        double dropout = s.numberWhere("dropout", 0.0, v -> v >= 0 && v < 1, "a number in [0, 1)");
        return new LoraConfig(rank, alpha, dropout, targets);
    }
}
