package dev.iris.api.spi;

import dev.iris.api.IrisException;
import dev.iris.api.weights.WeightSource;
import java.nio.file.Path;

/** What the host offers a plugin while it is being created. */
public interface PluginContext {
    /** Opens a safetensors checkpoint: a file, an index json, or a folder holding them. */
    WeightSource openWeights(Path fileOrFolder);

    /** The model's vision encoder, once created (fusion modules size themselves from it). */
    default VisionEncoder vision() {
        throw new IrisException("no vision encoder has been created yet");
    }

    /** The model's language model, once created. */
    default LanguageModel languageModel() {
        throw new IrisException("no language model has been created yet");
    }
}
