package dev.iris.fusion.projector;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.ModelPreset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.PluginContext;
import java.util.Locale;

/**
 * {@code type: projector}: fields {@code merge} (sequential | spatial, default sequential),
 * {@code factor} (default 4), {@code hidden} (linear1's width, default the LLM's hidden size).
 * Its trained weights ({@code weights:}) are bound by the host under {@code linear1.*} and {@code linear2.*}.
 */
public final class ProjectorProvider implements FusionProvider {
    @Override
    public String type() {
        return "projector";
    }

    @Override
    public String description() {
        return "architecture A: merge patch tokens, Linear-SiLU-Linear, splice into the prompt's image positions";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.of("merge", "how patch tokens are merged: sequential (default) or spatial"),
                ConfigField.of("factor", "patch tokens merged into one image token (default 4)"),
                ConfigField.of("hidden", "width of the first linear layer (default: the language model's hidden size)"));
    }

    /** The tutorial's model at test size and at the size of its real checkpoints, both random-weight. */
    @Override
    public List<ModelPreset> modelPresets() {
        Map<String, Object> projector = new LinkedHashMap<>();
        projector.put("merge", "sequential");
        projector.put("factor", 4);
        return List.of(
                new ModelPreset("tiny", "SigLIP + Qwen2 at test size with this projector: fast enough for unit tests",
                        ModelPreset.Part.of("siglip", "tiny"), ModelPreset.Part.of("qwen2", "tiny"), ModelPreset.Part.of(type(), projector)),
                new ModelPreset("siglip-qwen2.5-0.5b", "SigLIP base (224 px) + Qwen2.5-0.5B shapes with this projector: real-size speed and memory",
                        ModelPreset.Part.of("siglip", "siglip-base-patch16-224"), ModelPreset.Part.of("qwen2", "qwen2.5-0.5b"),
                        ModelPreset.Part.of(type(), projector)));
    }

    @Override
    public Fusion create(ComponentConfig config, PluginContext context) {
        String mergeName = config.optString("merge").orElse("sequential");
        ProjectorFusion.Merge merge;
        try {
            merge = ProjectorFusion.Merge.valueOf(mergeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.key() + ".merge: expected sequential or spatial but got \"" + mergeName + "\"");
        }
        int factor = config.integer("factor", 4);
        int textHidden = context.languageModel().hiddenSize();
        int hidden = config.integer("hidden", textHidden);
        try {
            return new ProjectorFusion(merge, factor, context.vision().tokens(), context.vision().hiddenSize(), hidden, textHidden);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.key() + ": " + e.getMessage());
        }
    }
}
