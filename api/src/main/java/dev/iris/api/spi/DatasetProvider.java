package dev.iris.api.spi;

import dev.iris.api.config.ComponentConfig;

/** Makes datasets (the {@code train.dataset} component). */
public interface DatasetProvider extends Provider {
    Dataset create(ComponentConfig config, PluginContext context);
}
