package dev.iris.api.spi;

import dev.iris.api.config.ComponentConfig;

/** Makes vision encoders (the {@code model.vision} component). */
public interface VisionEncoderProvider extends Provider {
    VisionEncoder create(ComponentConfig config, PluginContext context);
}
