package dev.iris.plugins.host.fake.beta;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.PluginContext;

public class BetaFusion implements FusionProvider {
    @Override
    public String type() {
        return "beta-fusion";
    }

    @Override
    public Fusion create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
