package dev.iris.api.spi;

import dev.iris.api.config.ComponentConfig;

/** Makes language models (the {@code model.llm} component). */
public interface LanguageModelProvider extends Provider {
    LanguageModel create(ComponentConfig config, PluginContext context);
}
