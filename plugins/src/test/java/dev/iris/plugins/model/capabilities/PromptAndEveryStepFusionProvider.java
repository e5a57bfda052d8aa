package dev.iris.plugins.model.capabilities;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.PluginContext;
import dev.iris.fusion.projector.ProjectorFusion;

/**
 * {@code type: test-prompt-and-every-step} (tests only): a third fusion strategy, neither A nor
 * B. It places the projector's image tokens in the prompt and also reads the image at every
 * decoder step, adding a gated mean of the image tokens after every layer.
 */
public final class PromptAndEveryStepFusionProvider implements FusionProvider {
    public static final String TYPE = "test-prompt-and-every-step";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Fusion create(ComponentConfig config, PluginContext context) {
        int text = context.languageModel().hiddenSize();
        return new PromptAndEveryStep(new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 4, context.vision().tokens(),
                context.vision().hiddenSize(), text, text), text);
    }

    static final class PromptAndEveryStep implements Fusion {
        private final ProjectorFusion projector;
        private final int hidden;

        PromptAndEveryStep(ProjectorFusion projector, int hidden) {
            this.projector = projector;
            this.hidden = hidden;
        }

        @Override
        public boolean placesTokensInPrompt() {
            return true;
        }

        @Override
        public boolean readsImageEveryStep() {
            return true;
        }

        @Override
        public int imageTokens() {
            return projector.imageTokens();
        }

        @Override
        public Value projectImage(GraphBuilder g, Value features) {
            return projector.projectImage(g, features);
        }

        @Override
        public Value mergeEmbeddings(GraphBuilder g, Value textEmbeddings, Value image, Value spliceIndex) {
            return projector.mergeEmbeddings(g, textEmbeddings, image, spliceIndex);
        }

        @Override
        public LanguageModel.LayerHook layerHook(GraphBuilder g, Value image) {
            Value gate = g.weight("fusion", "gate", Init.constant(0.5), hidden);
            Value summary = g.mul(g.mean(image, true, 1), gate);   // [B, 1, hidden]
            return (b, layer, h) -> b.add(h, summary);
        }
    }
}
