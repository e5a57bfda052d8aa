package dev.iris.spark;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * An Iris config as it travels to the executors: the YAML bytes, the folder its relative paths
 * are resolved against (a folder every executor sees: a shared file system) and the
 * {@code --set} overrides. Equal specs load the same model, so one executor JVM keeps one.
 */
public record ModelSpec(byte[] yaml, String sourceName, String baseDir, List<String> overrides) implements Serializable {
    public ModelSpec {
        overrides = List.copyOf(overrides);
    }

    /** The spec of a config file on the driver. */
    public static ModelSpec of(Path configFile, List<String> overrides) {
        Path file = configFile.toAbsolutePath().normalize();
        try {
            return new ModelSpec(Files.readAllBytes(file), file.toString(), file.getParent().toString(), overrides);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the config " + file, e);
        }
    }

    public IrisConfig config() {
        return new ConfigLoader().read(yaml, sourceName, Path.of(baseDir), overrides);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && Arrays.equals(yaml, s.yaml) && sourceName.equals(s.sourceName)
                && baseDir.equals(s.baseDir) && overrides.equals(s.overrides);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(yaml) + List.of(sourceName, baseDir, overrides).hashCode();
    }
}
