package dev.iris.plugins.host.fake.alpha;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;

public class AlphaVision implements VisionEncoderProvider {
    @Override
    public String type() {
        return "alpha-vision";
    }

    @Override
    public String description() {
        return "a vision encoder from alpha.jar";
    }

    @Override
    public VisionEncoder create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
