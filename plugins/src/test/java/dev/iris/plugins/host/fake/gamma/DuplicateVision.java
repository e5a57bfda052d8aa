package dev.iris.plugins.host.fake.gamma;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;

/** Claims the same type name as AlphaVision. */
public class DuplicateVision implements VisionEncoderProvider {
    @Override
    public String type() {
        return "alpha-vision";
    }

    @Override
    public VisionEncoder create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
