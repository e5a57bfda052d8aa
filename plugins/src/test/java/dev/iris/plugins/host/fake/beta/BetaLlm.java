package dev.iris.plugins.host.fake.beta;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;

/** Not listed in META-INF/services: BetaModule contributes it through Guice. */
public class BetaLlm implements LanguageModelProvider {
    @Override
    public String type() {
        return "beta-llm";
    }

    @Override
    public LanguageModel create(ComponentConfig config, PluginContext context) {
        throw new UnsupportedOperationException("test double");
    }
}
