package dev.iris.vlm;

import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import java.nio.file.Path;

/**
 * The entry point: loads a model from a config, or writes a small one to try Iris with.
 *
 * <pre>{@code
 * IrisModel model = Iris.load(Path.of("iris.yaml"));
 * IrisModel tuned = Iris.builder().config(Path.of("iris.yaml")).set("runtime.threads", 4).load();
 * }</pre>
 */
public final class Iris {
    private Iris() {}

    /** Loads the model a YAML config describes (relative paths in it resolve against its folder). */
    public static IrisModel load(Path config) {
        return builder().config(config).load();
    }

    /** A builder for a config file or YAML text with overrides. */
    public static IrisBuilder builder() {
        return new IrisBuilder();
    }

    /**
     * Writes a model preset (e.g. {@code "tiny"}: random weights at test size) into {@code folder}
     * as {@code iris init --preset} does, and returns its config file ({@code folder/iris.yaml}).
     * The weights are random: answers are noise until the model is trained.
     *
     * @throws dev.iris.api.IrisException when no plugin offers the preset (the message lists those that exist)
     */
    public static Path init(String preset, Path folder) {
        return init(preset, folder, 0);
    }

    /** As {@link #init(String, Path)}, with the seed of the random weights. */
    public static Path init(String preset, Path folder, long seed) {
        ModelInit.Written w = ModelInit.write(PluginRegistry.discover(), preset, folder, seed);
        if (w.config() == null) {
            throw new dev.iris.api.IrisException("preset '" + preset + "' is one part, not a whole model: give a model preset (iris plugins lists them)");
        }
        return w.config();
    }
}
