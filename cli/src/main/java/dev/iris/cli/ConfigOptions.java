package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} (required) and {@code --set KEY=VALUE}: the options of every command that
 * works on the model one config file describes, and the one way they load it.
 */
final class ConfigOptions {
    static final String CONFIG_LABEL = "FILE";
    static final String CONFIG_DESCRIPTION = "The YAML config file.";

    @Option(names = "--config", required = true, paramLabel = CONFIG_LABEL, description = CONFIG_DESCRIPTION)
    private Path file;

    @Mixin
    private ConfigOverrides overrides;

    Path file() {
        return file;
    }

    List<String> overrides() {
        return overrides.values();
    }

    /** The config with the {@code --set} overrides applied. */
    IrisConfig load() {
        return overrides.load(file);
    }

    /**
     * The config with the {@code --set} overrides and then {@code last} (set by the command itself, so
     * they win) applied, checked against the plugins: a typo in a plugin section fails here, before
     * any model is opened. The plugins are looked for only once the config has loaded.
     */
    IrisConfig loadChecked(Supplier<PluginRegistry> plugins, String... last) {
        IrisConfig config = overrides.load(file, last);
        plugins.get().checkConfig(config);
        return config;
    }
}
