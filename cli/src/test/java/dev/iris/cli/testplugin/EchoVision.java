package dev.iris.cli.testplugin;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;

/** Registered in the test class path's META-INF/services, so `iris plugins` has something to list. */
public class EchoVision implements VisionEncoderProvider {
    @Override
    public String type() {
        return "echo-vision";
    }

    @Override
    public String description() {
        return "test double for the plugins command";
    }

    @Override
    public String version() {
        return "9.9.9";
    }

    @Override
    public VisionEncoder create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
