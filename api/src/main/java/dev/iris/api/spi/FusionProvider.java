package dev.iris.api.spi;

import dev.iris.api.config.ComponentConfig;

/** Makes fusion modules (the {@code model.fusion} component). */
public interface FusionProvider extends Provider {
    Fusion create(ComponentConfig config, PluginContext context);
}
