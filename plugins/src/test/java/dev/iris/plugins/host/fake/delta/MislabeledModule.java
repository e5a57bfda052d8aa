package dev.iris.plugins.host.fake.delta;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.plugins.host.fake.beta.BetaLlm;

/** Binds a provider under a key that is not its type(). */
public class MislabeledModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, LanguageModelProvider.class)
                .addBinding("delta-llm").to(BetaLlm.class);
    }
}
