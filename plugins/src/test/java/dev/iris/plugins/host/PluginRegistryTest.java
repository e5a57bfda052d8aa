package dev.iris.plugins.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.name.Names;
import dev.iris.api.IrisException;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.fake.alpha.AlphaFusion;
import dev.iris.plugins.host.fake.alpha.AlphaVision;
import dev.iris.plugins.host.fake.beta.BetaFusion;
import dev.iris.plugins.host.fake.beta.BetaLlm;
import dev.iris.plugins.host.fake.beta.BetaModule;
import dev.iris.plugins.host.fake.delta.MislabeledModule;
import dev.iris.plugins.host.fake.gamma.DuplicateVision;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {
    @TempDir
    Path dir;

    Path alpha;
    Path beta;
    URLClassLoader loader;

    @BeforeEach
    void buildJars() {
        // two "plugin modules": alpha lists its providers as services; beta lists one provider and a Guice module
        alpha = TestJars.jar(dir.resolve("alpha.jar"),
                Map.of(VisionEncoderProvider.class, List.of(AlphaVision.class),
                        FusionProvider.class, List.of(AlphaFusion.class)),
                AlphaVision.class, AlphaFusion.class);
        beta = TestJars.jar(dir.resolve("beta.jar"),
                Map.of(FusionProvider.class, List.of(BetaFusion.class),
                        Module.class, List.of(BetaModule.class)),
                BetaFusion.class, BetaLlm.class, BetaModule.class);
    }

    @AfterEach
    void close() throws Exception {
        if (loader != null) {
            loader.close();
        }
    }

    private PluginRegistry discover(Path... jars) {
        loader = TestJars.loader(jars);
        return PluginRegistry.discover(loader);
    }

    @Test
    void findsProvidersFromBothJars() {
        PluginRegistry registry = discover(alpha, beta);

        VisionEncoderProvider vision = registry.vision("alpha-vision");
        assertThat(vision.getClass().getName()).isEqualTo(AlphaVision.class.getName());
        // loaded from the jar, not from the test class path
        assertThat(vision.getClass().getClassLoader()).isSameAs(loader);
        assertThat(location(vision)).isEqualTo(alpha);
        assertThat(vision.description()).isEqualTo("a vision encoder from alpha.jar");

        assertThat(registry.types(ProviderKind.FUSION)).containsExactly("alpha-fusion", "beta-fusion");
        assertThat(location(registry.fusion("alpha-fusion"))).isEqualTo(alpha);
        assertThat(location(registry.fusion("beta-fusion"))).isEqualTo(beta);
        assertThat(registry.types(ProviderKind.DATASET)).isEmpty();
    }

    @Test
    void guiceModuleFromAJarContributesAProviderAndABinding() {
        PluginRegistry registry = discover(alpha, beta);

        assertThat(registry.modules()).extracting(m -> m.getClass().getName()).containsExactly(BetaModule.class.getName());
        LanguageModelProvider llm = registry.llm("beta-llm");
        assertThat(llm.getClass().getName()).isEqualTo(BetaLlm.class.getName());
        assertThat(location(llm)).isEqualTo(beta);
        assertThat(registry.types(ProviderKind.LLM)).containsExactly("beta-llm");
        assertThat(registry.injector().getInstance(Key.get(String.class, Names.named("beta.greeting"))))
                .isEqualTo("hello from beta");
    }

    @Test
    void providersAreListedPerKindSortedByType() {
        PluginRegistry registry = discover(beta, alpha); // class path order must not matter
        assertThat(registry.providers(ProviderKind.FUSION)).extracting(Provider::type)
                .containsExactly("alpha-fusion", "beta-fusion");
        assertThat(registry.providers(ProviderKind.VISION)).extracting(Provider::type).containsExactly("alpha-vision");
    }

    @Test
    void unknownTypeListsTheTypesFound() {
        PluginRegistry registry = discover(alpha, beta);

        assertThatThrownBy(() -> registry.fusion("gamma"))
                .isInstanceOf(IrisException.class)
                .hasMessage("model.fusion.type: unknown fusion 'gamma' (found: alpha-fusion, beta-fusion)");
        assertThatThrownBy(() -> registry.vision("foo"))
                .hasMessage("model.vision.type: unknown vision encoder 'foo' (found: alpha-vision)");
    }

    @Test
    void unknownTypeWithNothingFoundHintsAtTheClassPath() {
        PluginRegistry registry = discover();

        for (ProviderKind kind : ProviderKind.values()) {
            assertThat(registry.providers(kind)).isEmpty();
        }
        assertThatThrownBy(() -> registry.dataset("parquet"))
                .isInstanceOf(IrisException.class)
                .hasMessage("train.dataset.type: unknown dataset 'parquet' (found: none — is the plugin jar on the class path?)");
    }

    @Test
    void configSectionSelectsProviderAndNamesItsKeyWhenUnknown() {
        PluginRegistry registry = discover(alpha, beta);
        IrisConfig config = new ConfigLoader(dir).parse("""
                model:
                  vision: {type: alpha-vision}
                  fusion: {type: projector}
                """, "test.yaml", dir, List.of());

        VisionEncoderProvider vision = registry.forConfig(ProviderKind.VISION, config.vision());
        assertThat(vision.type()).isEqualTo("alpha-vision");
        assertThatThrownBy(() -> registry.forConfig(ProviderKind.FUSION, config.fusion()))
                .hasMessage("model.fusion.type: unknown fusion 'projector' (found: alpha-fusion, beta-fusion)");
    }

    @Test
    void duplicateTypeNamesBothClasses() {
        Path gamma = TestJars.jar(dir.resolve("gamma.jar"),
                Map.of(VisionEncoderProvider.class, List.of(DuplicateVision.class)), DuplicateVision.class);

        assertThatThrownBy(() -> discover(alpha, gamma))
                .isInstanceOf(IrisException.class)
                .hasMessage("duplicate vision encoder type 'alpha-vision': provided by both "
                        + "dev.iris.plugins.host.fake.alpha.AlphaVision and dev.iris.plugins.host.fake.gamma.DuplicateVision");
    }

    @Test
    void guiceBindingUnderAForeignTypeNameIsRejected() {
        Path delta = TestJars.jar(dir.resolve("delta.jar"),
                Map.of(Module.class, List.of(MislabeledModule.class)), MislabeledModule.class, BetaLlm.class);

        assertThatThrownBy(() -> discover(delta))
                .isInstanceOf(IrisException.class)
                .hasMessage("language model 'delta-llm' is bound (by a Guice module) to "
                        + "dev.iris.plugins.host.fake.beta.BetaLlm, whose type() is 'beta-llm'");
    }

    @Test
    void serviceFileNamingAMissingClassFailsWithTheClassName() {
        Path broken = TestJars.jar(dir.resolve("broken.jar"),
                Map.of(VisionEncoderProvider.class, List.of(AlphaFusion.class))); // listed, but no class file in the jar

        assertThatThrownBy(() -> discover(broken))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith("cannot load the vision encoder plugins: ")
                .hasMessageContaining(AlphaFusion.class.getName());
    }

    /** The jar (or folder) a provider's class was loaded from. */
    private static Path location(Object o) {
        try {
            return Path.of(o.getClass().getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }
}
