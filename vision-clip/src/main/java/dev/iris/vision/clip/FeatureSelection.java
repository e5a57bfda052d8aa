package dev.iris.vision.clip;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Which of the tower's hidden states a vision-language model reads, as LLaVA chooses them:
 * {@code vision_feature_layer} indexes Hugging Face's {@code hidden_states} tuple (index 0 is the
 * embeddings after {@code pre_layrnorm}, index i the output of encoder layer i; negative indices
 * count from the end, so -1 is the last layer's output and -2, LLaVA's default, the one before),
 * and {@code vision_feature_select_strategy} {@code default} drops the class token while
 * {@code full} keeps it. Only the layers up to the chosen one are built and run.
 *
 * @param layer    {@code vision_feature_layer} as written (may be negative)
 * @param strategy {@code vision_feature_select_strategy}
 */
public record FeatureSelection(int layer, Strategy strategy) {
    public static final String LAYER = "vision_feature_layer";
    public static final String STRATEGY = "vision_feature_select_strategy";

    /** LLaVA-1.5's choice: the second-to-last layer's output, patch tokens only. */
    public static final FeatureSelection LLAVA = new FeatureSelection(-2, Strategy.DEFAULT);

    /** What to keep of the chosen hidden state. */
    public enum Strategy {
        /** The patch tokens: the class token (position 0) is dropped. */
        DEFAULT,
        /** The class token followed by the patch tokens. */
        FULL;

        /** The name a config writes. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FeatureSelection {
        if (strategy == null) throw new IllegalArgumentException("strategy is null");
    }

    /** The selection a plugin section sets, LLaVA's defaults for the fields it leaves out. */
    public static FeatureSelection of(ComponentConfig section) {
        int layer = section.integer(LAYER, LLAVA.layer());
        String s = section.optString(STRATEGY).orElse(LLAVA.strategy().configName());
        Strategy strategy = Arrays.stream(Strategy.values()).filter(v -> v.configName().equals(s)).findFirst()
                .orElseThrow(() -> section.error(STRATEGY, "expected \"default\" (drop the class token) or \"full\""
                        + " (keep it) but got \"" + s + "\""));
        return new FeatureSelection(layer, strategy);
    }

    /**
     * The index into {@code hidden_states} (0..layers) this selection names for a tower of
     * {@code layers} encoder layers, i.e. how many layers are run.
     *
     * @throws ConfigException naming {@code key} when the index is outside the tower
     */
    public int resolve(int layers, String key) {
        int states = layers + 1;
        int i = layer < 0 ? states + layer : layer;
        if (i < 0 || i >= states) {
            throw new ConfigException(key + ": " + layer + " is outside the tower's hidden states: it has " + layers
                    + " layers, so " + LAYER + " must be between " + -states + " and " + layers
                    + " (0 = the embeddings after pre_layrnorm, -1 = the last layer's output)");
        }
        return i;
    }

    /** Tokens per image for a tower with {@code patches} patch tokens. */
    public int tokens(int patches) {
        return strategy == Strategy.FULL ? patches + 1 : patches;
    }
}
