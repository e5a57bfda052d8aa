package dev.iris.plugins.host.fake.alpha;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.PluginContext;

public class AlphaFusion implements FusionProvider {
    @Override
    public String type() {
        return "alpha-fusion";
    }

    @Override
    public Fusion create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
