package dev.iris.plugins.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.iris.api.IrisException;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Path;
import java.util.List;

/**
 * Any bytes given as a config file are loaded and validated the way {@code iris config} does it,
 * and the only way to fail is an {@link IrisException} (a {@code ConfigException} naming the
 * problem): never another exception, a hang or an out-of-memory. The committed corpus
 * ({@code ConfigLoaderFuzzTestInputs/loadAndValidate}: anchors, merge keys, deep nesting, huge
 * scalars, bad UTF-8, tabs, duplicate keys, ...) runs as an ordinary test; fuzz with
 * {@code JAZZER_FUZZ=1 ./mvnw test -pl plugins -am -Dtest=ConfigLoaderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigLoaderFuzzTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final Path BASE = Path.of("/nonexistent/iris-fuzz").toAbsolutePath();

    @FuzzTest(maxDuration = "30s")
    void loadAndValidate(byte[] bytes) {
        try {
            IrisConfig c = new ConfigLoader(BASE).read(bytes, "fuzz.yaml", BASE, List.of());
            c.runtime();
            c.generate();
            if (c.hasTrain()) {
                c.train().values();
            }
            REGISTRY.checkConfig(c);
            c.toYaml();
        } catch (IrisException expected) {
            // the documented way to refuse a config
        }
    }
}
