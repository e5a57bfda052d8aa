package dev.iris.cli;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --set KEY=VALUE} option (repeatable), declared once for every command that reads or
 * writes a config, so its name, label and help cannot drift between commands. The overrides are
 * checked where they are applied ({@link ConfigLoader}), with errors naming the {@code --set}.
 */
final class ConfigOverrides {
    static final String DESCRIPTION = "Override one config value, e.g. train.steps=200 (repeatable, applied in order).";

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = DESCRIPTION)
    private List<String> values = new ArrayList<>();

    /** The overrides as given, in order. */
    List<String> values() {
        return List.copyOf(values);
    }

    /** The config in {@code file} with the overrides applied, then {@code last} (set by the command itself, so they win). */
    IrisConfig load(Path file, String... last) {
        List<String> all = new ArrayList<>(values);
        all.addAll(List.of(last));
        return new ConfigLoader().load(file, all);
    }
}
