package dev.iris.fusion.projector;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import java.util.List;
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
