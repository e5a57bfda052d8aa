package dev.iris.plugins.host.fake.beta;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;
import dev.iris.api.spi.LanguageModelProvider;

/** A plugin's own Guice bindings: one provider through the shared map, one plain binding. */
public class BetaModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, LanguageModelProvider.class)
                .addBinding("beta-llm").to(BetaLlm.class);
        bindConstant().annotatedWith(Names.named("beta.greeting")).to("hello from beta");
    }
}
