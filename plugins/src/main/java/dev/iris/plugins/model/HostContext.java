package dev.iris.plugins.model;

import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.safetensors.Safetensors;
import java.nio.file.Path;

/** The host's side of plugin creation: checkpoints through the runtime, and the models made so far. */
final class HostContext implements PluginContext {
    private VisionEncoder vision;
    private LanguageModel languageModel;

    @Override
    public WeightSource openWeights(Path fileOrFolder) {
        return Safetensors.open(fileOrFolder);
    }

    @Override
    public VisionEncoder vision() {
        return vision == null ? PluginContext.super.vision() : vision;
    }

    @Override
    public LanguageModel languageModel() {
        return languageModel == null ? PluginContext.super.languageModel() : languageModel;
    }

    void vision(VisionEncoder v) {
        this.vision = v;
    }

    void languageModel(LanguageModel m) {
        this.languageModel = m;
    }
}
