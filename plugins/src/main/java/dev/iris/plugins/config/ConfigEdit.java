package dev.iris.plugins.config;

import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.TrainConfig.Stage;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed changes a command makes to a config (a stage's budget, a checkpoint's weights, the run
 * folder), made on the values themselves rather than through {@code --set} text. Paths are
 * stored absolute, so they mean the same file wherever the config is read again (a resumed run).
 * The config it started from is unchanged; {@link #done()} gives the edited one.
 */
public final class ConfigEdit {
    private final Map<String, Object> tree;
    private final ConfigOrigin was;
    private final List<String> editedKeys = new ArrayList<>();

    ConfigEdit(Map<String, Object> tree, ConfigOrigin was) {
        this.tree = tree;
        this.was = was;
    }

    public ConfigEdit trainStage(Stage stage) {
        return set("train.stage", stage.name().toLowerCase(Locale.ROOT));
    }

    /** Train for {@code steps} optimizer steps (instead of any number of epochs). */
    public ConfigEdit trainSteps(int steps) {
        set("train.epochs", null);
        return set("train.steps", steps);
    }

    public ConfigEdit trainLr(double lr) {
        return set("train.lr", lr);
    }

    public ConfigEdit trainOutput(Path runFolder) {
        return set("train.output", absolute(runFolder));
    }

    /** The language model's trained tensors ({@code llm.safetensors}) over its folder's. */
    public ConfigEdit llmWeights(Path file) {
        return set(ProviderKind.LLM.configKey() + ".weights", absolute(file));
    }

    /** A LoRA adapter folder (PEFT's layout) applied unmerged to the language model. */
    public ConfigEdit llmAdapter(Path folder) {
        return set(ProviderKind.LLM.configKey() + ".adapter", absolute(folder));
    }

    /** The fusion's trained weights; empty: freshly initialised weights. */
    public ConfigEdit fusionWeights(Optional<Path> file) {
        return set(ProviderKind.FUSION.configKey() + ".weights", file.map(ConfigEdit::absolute).orElse(null));
    }

    public ConfigEdit runtimeWeights(Quantization weights) {
        return set("runtime.weights", weights.spec());
    }

    public ConfigEdit runtimeThreads(int threads) {
        return set("runtime.threads", threads);
    }

    /**
     * One value at a dotted key, e.g. a shared {@code train.seed} or a whole {@code train.dataset}
     * section (a map) as another config holds it; {@code null} removes the key. Keys of the
     * sections Iris knows are checked as in a config file. Path fields in a section must already
     * be absolute (the config they came from knows which fields are paths: {@code PathFields}).
     */
    public ConfigEdit set(String dottedKey, Object value) {
        ConfigOverride o = new ConfigOverride(dottedKey, List.of(dottedKey.split("\\.")), copyOf(value));
        if (value != null) {
            IrisConfig.checkKnownKeys(ConfigLoader.nested(o), "setting " + dottedKey);
        }
        ConfigLoader.apply(tree, o);
        editedKeys.add(dottedKey);
        return this;
    }

    /** The edited config. Earlier {@code --set} overrides of an edited key are no longer replayed on resume. */
    public IrisConfig done() {
        Map<String, String> overridden = new LinkedHashMap<>(was.overridden());
        Map<String, Path> dirs = new LinkedHashMap<>(was.overrideDirs());
        for (String key : editedKeys) {
            overridden.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "."));
            dirs.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "."));
        }
        return new IrisConfig(new SectionConfig("", IrisConfig.deepCopy(tree), new ConfigOrigin(was.sourceName(), was.fileDir(), overridden, dirs)));
    }

    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    @SuppressWarnings("unchecked")
    private static Object copyOf(Object v) {
        if (v instanceof Map<?, ?> m) return IrisConfig.deepCopy((Map<String, Object>) m);
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Path) throw new ConfigException("a path is stored as text made absolute, got the Path " + v);
        return v;
    }
}
