package dev.iris.vlm;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Says where a model's config comes from and what to change in it, then loads the model.
 * One of {@link #config(Path)} or {@link #yaml(String, Path)} is required.
 */
public final class IrisBuilder {
    private Path file;
    private String yaml;
    private Path baseDir;
    private final List<String> overrides = new ArrayList<>();
    private ClassLoader plugins;

    IrisBuilder() {}

    /** The YAML config file; relative paths in it resolve against its folder. */
    public IrisBuilder config(Path file) {
        this.file = Objects.requireNonNull(file, "file");
        this.yaml = null;
        return this;
    }

    /** The config as YAML text; relative paths in it resolve against {@code baseDir}. */
    public IrisBuilder yaml(String yaml, Path baseDir) {
        this.yaml = Objects.requireNonNull(yaml, "yaml");
        this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
        this.file = null;
        return this;
    }

    /**
     * Overrides one config value, as {@code --set key=value} does on the command line
     * (e.g. {@code set("runtime.threads", 4)}, {@code set("model.fusion.weights", path)}).
     * Applied in order; an unknown key fails at {@link #load()}, naming it.
     */
    public IrisBuilder set(String key, Object value) {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("a config key is needed");
        overrides.add(key + "=" + value);
        return this;
    }

    /** Where to look for plugins ({@code ServiceLoader}); default: the thread's context class loader. */
    public IrisBuilder plugins(ClassLoader loader) {
        this.plugins = Objects.requireNonNull(loader, "loader");
        return this;
    }

    /**
     * Reads and checks the config (every key of Iris's sections and of each plugin's section),
     * then opens the model. Graphs compile on first use; {@link IrisModel#prepare()} does it now.
     *
     * @throws IrisException naming the file and key or value at fault, or the model file that is missing
     */
    public IrisModel load() {
        PluginRegistry registry = plugins == null ? PluginRegistry.discover() : PluginRegistry.discover(plugins);
        IrisConfig config;
        if (file != null) {
            config = new ConfigLoader().load(file, overrides);
        } else if (yaml != null) {
            config = new ConfigLoader().parse(yaml, "YAML text", baseDir, overrides);
        } else {
            throw new IrisException("no config given: call config(Path) or yaml(String, Path) before load()");
        }
        registry.checkConfig(config);   // a typo in a plugin section fails before any model file is opened
        return new IrisModel(config, registry);
    }
}
