package dev.iris.fusion.crossattn;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.ModelPreset;
import dev.iris.api.spi.PluginContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code type: crossattn}: gated cross-attention blocks after the decoder layers named by
 * {@code layers: [3, 7, 11]} (0-based) or {@code every: N} (after layers N-1, 2N-1, ...).
 * Optional: {@code heads}, {@code kv_heads} (default the LLM's), {@code intermediate} (the
 * blocks' MLP width, default 4x the LLM's hidden size), {@code eps} (the blocks' RMS norms,
 * default the language model's own epsilon, as Llama 3.2 Vision's cross-attention layers use
 * the decoder's {@code rms_norm_eps}), {@code image_mask} ({@code all}, the default: every text
 * position attends to the image; {@code mllama}: positions before the image's place in the
 * prompt do not, and the blocks add nothing to them, as Mllama's cross-attention mask).
 */
public final class CrossAttentionProvider implements FusionProvider {
    @Override
    public String type() {
        return "crossattn";
    }

    @Override
    public String description() {
        return "architecture B: gated cross-attention blocks between decoder layers (text queries, image keys/values)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.of("layers", "0-based decoder layers followed by a cross-attention block, e.g. [3, 7, 11]"),
                ConfigField.of("every", "a block after every N-th decoder layer (default 4; not with layers)"),
                ConfigField.of("heads", "attention heads (default: the language model's)"),
                ConfigField.of("kv_heads", "key/value heads (default: the language model's)"),
                ConfigField.of("intermediate", "width of the blocks' MLP (default 4x the language model's hidden size)"),
                ConfigField.of("eps", "RMS norm epsilon of the blocks (default: the language model's, e.g. its rms_norm_eps)"),
                ConfigField.of("image_mask", "all (default: every text position attends to the image) or mllama (Llama 3.2 Vision's"
                        + " cross-attention mask: text before the image's place in the prompt does not, and the blocks add nothing to it)"));
    }

    /** The tiny encoder and language model joined by one block after the last of the tiny model's two layers. */
    @Override
    public List<ModelPreset> modelPresets() {
        return List.of(new ModelPreset("tiny-crossattn", "SigLIP + Qwen2 at test size with a cross-attention block after layer 1",
                ModelPreset.Part.of("siglip", "tiny"), ModelPreset.Part.of("qwen2", "tiny"),
                ModelPreset.Part.of(type(), Map.of("layers", List.of(1)))));
    }

    @Override
    public Fusion create(ComponentConfig config, PluginContext context) {
        LanguageModel llm = context.languageModel();
        int layers = llm.layers();
        List<Integer> chosen;
        if (config.has("layers") && config.has("every")) {
            throw new ConfigException(config.key() + ".every: set either layers or every, not both");
        } else if (config.has("layers")) {
            chosen = config.integers("layers", List.of());
            for (int l : chosen) {
                if (l < 0 || l >= layers) {
                    throw new ConfigException(config.key() + ".layers: layer " + l + " does not exist (the language model has layers 0.." + (layers - 1) + ")");
                }
            }
        } else {
            int every = config.integer("every", 4);
            if (every < 1) throw new ConfigException(config.key() + ".every: must be at least 1, got " + every);
            chosen = new ArrayList<>();
            for (int l = every - 1; l < layers; l += every) chosen.add(l);
            if (chosen.isEmpty()) {
                throw new ConfigException(config.key() + ".every: " + every + " places no block in a language model of " + layers + " layers");
            }
        }
        int heads = config.integer("heads", llm.hiddenSize() / llm.headDim());
        int kvHeads = config.integer("kv_heads", llm.kvHeads());
        String maskName = config.optString("image_mask").orElse(CrossAttentionFusion.ImageMask.ALL.configName());
        CrossAttentionFusion.ImageMask mask = null;
        for (CrossAttentionFusion.ImageMask m : CrossAttentionFusion.ImageMask.values()) if (m.configName().equals(maskName)) mask = m;
        if (mask == null) throw config.error("image_mask", "expected all or mllama but got \"" + maskName + "\"");
        try {
            return new CrossAttentionFusion(chosen, context.vision().hiddenSize(), llm.hiddenSize(), heads, kvHeads, llm.headDim(),
                    config.integer("intermediate", 4 * llm.hiddenSize()), config.number("eps", llm.normEps()), mask);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.key() + ": " + e.getMessage());
        }
    }
}
