package dev.iris.api.spi;

import dev.iris.api.weights.WeightSource;
import java.nio.file.Path;

/** What the host offers a plugin while it is being created. */
public interface PluginContext {
    /** Opens a safetensors checkpoint: a file, an index json, or a folder holding them. */
    WeightSource openWeights(Path fileOrFolder);
}
