package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.spi.ModelPreset;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole models come from the model presets plugins declare: the host writes what a preset names. */
class ModelInitPresetsTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    Path dir;

    @Test
    void aModelPresetWritesItsPartsAndAConfigThatNamesThem() {
        ModelPreset tiny = ModelInit.modelPreset(REGISTRY, "tiny").orElseThrow();

        ModelInit.Written w = ModelInit.write(REGISTRY, "tiny", dir, 0);

        assertThat(w.folders()).containsOnlyKeys("vision", "llm");
        assertThat(w.config()).isEqualTo(dir.resolve(ModelInit.CONFIG_FILE));
        IrisConfig cfg = IrisConfig.load(w.config(), List.of());
        assertThat(cfg.vision().type()).isEqualTo(tiny.vision().type());
        assertThat(cfg.vision().path("path")).isEqualTo(dir.resolve("vision"));
        assertThat(cfg.llm().type()).isEqualTo(tiny.llm().type());
        assertThat(cfg.llm().path("path")).isEqualTo(dir.resolve("llm"));
        assertThat(cfg.fusion().type()).isEqualTo(tiny.fusion().type());
        tiny.fusion().settings().forEach((k, v) -> assertThat(cfg.fusion().values()).containsEntry(k, v));
        assertThat(Files.isRegularFile(dir.resolve("vision/model.safetensors"))).isTrue();
        assertThat(Files.isRegularFile(dir.resolve("llm/model.safetensors"))).isTrue();
    }

    @Test
    void aPresetWhosePartsAreNotInstalledIsNotOffered() {
        ModelPreset missing = new ModelPreset("elsewhere", "a model of plugins that are not here",
                ModelPreset.Part.of("no-such-encoder", "tiny"), ModelPreset.Part.of("no-such-llm", "tiny"),
                ModelPreset.Part.of("no-such-fusion", Map.of()));
        assertThat(ModelInit.installed(REGISTRY, missing)).isFalse();
        assertThat(ModelInit.installed(REGISTRY, ModelInit.modelPreset(REGISTRY, "tiny").orElseThrow())).isTrue();
    }

    @Test
    void anUnknownPresetListsTheKnownOnes() {
        assertThatThrownBy(() -> ModelInit.write(REGISTRY, "huge", dir, 0))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith("unknown preset 'huge' (presets: [")
                .hasMessageContaining("tiny");
    }

    @Test
    void aSecondFusionDeclaresItsOwnModelAndTheHostBuildsItUnchanged() throws Exception {
        // the cross-attention plugin's preset: no host code knows it, yet it writes and loads
        ModelPreset preset = ModelInit.modelPreset(REGISTRY, "tiny-crossattn").orElseThrow();
        ModelInit.Written w = ModelInit.write(REGISTRY, preset.name(), dir, 0);
        IrisConfig cfg = IrisConfig.load(w.config(), List.of());
        assertThat(cfg.fusion().type()).isEqualTo(preset.fusion().type()).isNotEqualTo(ModelInit.modelPreset(REGISTRY, "tiny").orElseThrow().fusion().type());
        assertThat(cfg.fusion().integers("layers", List.of())).containsExactly(1);
        try (VisionLanguageModel m = VisionLanguageModel.load(cfg, REGISTRY)) {
            assertThat(m.parts().fusion()).isNotNull();
        }
    }
}
