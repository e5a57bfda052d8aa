package dev.iris.cli;

import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.host.SectionFields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.model.ModelInit;
import dev.iris.runtime.safetensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract between a plugin's {@link Provider#fields()} and its {@code create}: every field
 * the plugin asks its section about is declared (by the plugin or, for fields like {@code type},
 * by the host), so a valid field is never refused as unknown. Each plugin is created from a
 * section that sets all of its optional fields, through a config that records what is asked.
 */
class PluginFieldsContractTest {
    @TempDir
    static Path dir;

    static PluginRegistry registry;
    static Path tiny;
    static VisionEncoder vision;
    static LanguageModel llm;

    @BeforeAll
    static void tinyModels() {
        registry = PluginRegistry.discover();
        tiny = dir.resolve("tiny");
        ModelInit.write(registry, "tiny", tiny, 0);
        vision = registry.vision("siglip").create(section("model.vision", "{ type: siglip, path: " + q(tiny.resolve("vision")) + " }"), CONTEXT);
        llm = registry.llm("qwen2").create(section("model.llm", "{ type: qwen2, path: " + q(tiny.resolve("llm")) + " }"), CONTEXT);
    }

    static final PluginContext CONTEXT = new PluginContext() {
        @Override
        public WeightSource openWeights(Path fileOrFolder) {
            return Safetensors.open(fileOrFolder);
        }

        @Override
        public VisionEncoder vision() {
            return vision;
        }

        @Override
        public LanguageModel languageModel() {
            return llm;
        }
    };

    @Test
    void siglip() {
        check(ProviderKind.VISION, "model.vision", "{ type: siglip, path: " + q(tiny.resolve("vision")) + " }",
                (p, c) -> ((VisionEncoderProvider) p).create(c, CONTEXT));
    }

    @Test
    void clip() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("clip"));
        for (var f : registry.vision("clip").presetFiles("tiny").entrySet()) Files.writeString(folder.resolve(f.getKey()), f.getValue());
        check(ProviderKind.VISION, "model.vision", "{ type: clip, path: " + q(folder)
                        + ", vision_feature_layer: -2, vision_feature_select_strategy: default }",
                (p, c) -> ((VisionEncoderProvider) p).create(c, CONTEXT));
    }

    @Test
    void qwen2() {
        check(ProviderKind.LLM, "model.llm", "{ type: qwen2, path: " + q(tiny.resolve("llm")) + ", chat_template: chatml, weights: ~ }",
                (p, c) -> ((LanguageModelProvider) p).create(c, CONTEXT));
    }

    @Test
    void llama() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("llama"));
        for (Map.Entry<String, String> e : registry.llm("llama").presetFiles("tiny").entrySet()) Files.writeString(folder.resolve(e.getKey()), e.getValue());
        check(ProviderKind.LLM, "model.llm", "{ type: llama, path: " + q(folder) + ", chat_template: chatml, weights: ~ }",
                (p, c) -> ((LanguageModelProvider) p).create(c, CONTEXT));
    }

    @Test
    void projector() {
        check(ProviderKind.FUSION, "model.fusion", "{ type: projector, merge: spatial, factor: 4, hidden: 32 }",
                (p, c) -> ((FusionProvider) p).create(c, CONTEXT));
    }

    @Test
    void crossattnWithLayers() {
        check(ProviderKind.FUSION, "model.fusion", "{ type: crossattn, layers: [0], heads: 2, kv_heads: 1, intermediate: 64, eps: 1.0e-5 }",
                (p, c) -> ((FusionProvider) p).create(c, CONTEXT));
    }

    @Test
    void crossattnWithEvery() {
        check(ProviderKind.FUSION, "model.fusion", "{ type: crossattn, every: 1 }", (p, c) -> ((FusionProvider) p).create(c, CONTEXT));
    }

    @Test
    void shapes() {
        check(ProviderKind.DATASET, "train.dataset", "{ type: shapes, path: " + q(dir.resolve("shapes"))
                        + ", split: heldout, train_count: 3, heldout_count: 2, image_size: 16, seed: 1 }",
                (p, c) -> ((DatasetProvider) p).create(c, CONTEXT));
    }

    @Test
    void parquet() {
        Path data = dir.resolve("parquet");
        ShapesGenerator.write(data, 2, 1, 16, 0);
        check(ProviderKind.DATASET, "train.dataset", "{ type: parquet, path: " + q(data.resolve(ShapesGenerator.TRAIN_FILE))
                        + ", id_column: id, caption_column: caption, image_column: image }",
                (p, c) -> ((DatasetProvider) p).create(c, CONTEXT).open().close());
    }

    @Test
    void llavaJson() throws IOException {
        Path json = Files.writeString(Files.createDirectories(dir.resolve("llava")).resolve("chat.json"), "[]");
        check(ProviderKind.DATASET, "train.dataset", "{ type: llava-json, path: " + q(json) + ", images: " + q(json.getParent()) + " }",
                (p, c) -> ((DatasetProvider) p).create(c, CONTEXT).open().close());
    }

    @Test
    void everyProviderFoundIsCoveredAbove() {
        Set<String> covered = Set.of("siglip", "clip", "qwen2", "llama", "projector", "crossattn", "shapes", "parquet", "llava-json");
        Set<String> found = new TreeSet<>();
        // the shipped plugins; cli's own test doubles (package testplugin) declare nothing to check
        for (ProviderKind kind : ProviderKind.values()) {
            registry.providers(kind).stream().filter(p -> !p.getClass().getPackageName().endsWith(".testplugin"))
                    .forEach(p -> found.add(p.type()));
        }
        assertThat(covered).containsAll(found);
    }

    interface Create {
        void create(Provider provider, ComponentConfig config) throws Exception;
    }

    /** Creates the plugin the section names through a recording config; what it asked must be known. */
    private static void check(ProviderKind kind, String key, String flow, Create create) {
        ComponentConfig section = section(key, flow);
        Provider provider = registry.providers(kind).stream().filter(p -> p.type().equals(section.type())).findFirst().orElseThrow();
        RecordingConfig recording = new RecordingConfig(section);
        try {
            create.create(provider, recording);
        } catch (Exception e) {
            throw new AssertionError("creating " + provider.type() + " failed", e);
        }
        assertThat(recording.listedAll()).as(provider.type() + " read the raw values map; declare and read fields by name").isFalse();
        Set<String> known = SectionFields.known(kind, provider).keySet();
        assertThat(known).as(provider.type() + ": fields asked about but not declared").containsAll(recording.asked());
        // and the section that sets every optional field passes the host's check
        registry.forConfig(kind, section);
    }

    private static ComponentConfig section(String key, String flow) {
        String[] parts = key.split("\\.");
        String yaml = parts[0] + ":\n  " + parts[1] + ": " + flow + "\n" + (parts[0].equals("train") ? "  output: out\n" : "");
        IrisConfig config = new ConfigLoader(dir).parse(yaml, "contract.yaml", dir, List.of());
        return config.section(key);
    }

    private static String q(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }
}
