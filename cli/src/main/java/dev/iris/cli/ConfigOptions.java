package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import java.nio.file.Path;
import java.util.List;
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

    /** The config with the {@code --set} overrides and then {@code last} applied (so {@code last} wins). */
    IrisConfig loadWith(String last) {
        return overrides.load(file, last);
    }
}
