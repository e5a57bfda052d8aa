package dev.iris.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.spi.ModelPreset;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.ModelParts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code iris bench --preset NAME} measures every model preset the installed plugins declare;
 * here each one made of tiny parts (whatever its encoder, language model and fusion) is run with
 * small settings. Real-shape presets are what the command is for, not what tests run.
 */
class BenchPresetsTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    static Path dir;

    static Stream<String> tinyModelPresets() {
        return ModelInit.modelPresets(REGISTRY).stream()
                .filter(m -> m.vision().preset().orElse("").equals(Bench.TINY) && m.llm().preset().orElse("").equals(Bench.TINY))
                .map(ModelPreset::name);
    }

    @Test
    void thereIsATinyModelPresetForEveryFusion() {
        // the presets below are not an empty list by accident: each installed fusion declares one at test size
        assertThat(tinyModelPresets().map(n -> ModelInit.modelPreset(REGISTRY, n).orElseThrow().fusion().type()).distinct())
                .containsExactlyInAnyOrderElementsOf(REGISTRY.types(dev.iris.api.spi.ProviderKind.FUSION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyModelPresets")
    void benches(String preset) {
        List<String> lines = new ArrayList<>();
        Path folder = dir.resolve(preset);
        Map<String, Object> r = Bench.run(REGISTRY, new Bench.Options(preset, folder, 40, 1 << 20, 3, 2), lines::add);

        assertThat(r.get("preset")).isEqualTo(preset);
        for (String key : List.of("load_s", "image_encode_ms", "prefill_ms", "prefill_tokens", "decode_ms_per_token", "decode_tokens_per_s",
                "train_samples_per_s", "peak_rss_mb", "weight_bytes_per_token")) {
            assertThat(((Number) r.get(key)).doubleValue()).as(preset + " " + key).isPositive();
        }
        assertThat((Integer) r.get("decode_steps")).isGreaterThanOrEqualTo(Bench.MIN_DECODE_STEPS);
        // the image's tokens in the prompt are what the preset's fusion declares (none for one that reads the image inside the decoder)
        try (ModelParts parts = ModelParts.create(new ConfigLoader().load(folder.resolve(ModelInit.CONFIG_FILE), List.of()), REGISTRY)) {
            assertThat((Integer) r.get("prefill_image_tokens")).isEqualTo(parts.fusion().imageTokens());
        }
        assertThat(lines).anyMatch(l -> l.startsWith("writing random-weight " + preset + " models"));
    }

    @Test
    void aPairNamedInOneWordBenchesWithoutAModelPreset() {
        // an encoder, a language model and a fusion that no model preset puts together as such: the last fusion with the first tiny parts
        String v = REGISTRY.providers(dev.iris.api.spi.ProviderKind.VISION).stream().filter(p -> p.presets().contains(Bench.TINY)).findFirst().orElseThrow().type();
        String l = REGISTRY.providers(dev.iris.api.spi.ProviderKind.LLM).stream().filter(p -> p.presets().contains(Bench.TINY)).findFirst().orElseThrow().type();
        List<String> fusions = REGISTRY.types(dev.iris.api.spi.ProviderKind.FUSION);
        String name = v + ":tiny+" + l + ":tiny+" + fusions.get(fusions.size() - 1);
        Path folder = dir.resolve("pair");
        Map<String, Object> r = Bench.run(REGISTRY, new Bench.Options(name, folder, 40, 1 << 20, 3, 2), l2 -> {});
        assertThat(r.get("preset")).isEqualTo(name);
        assertThat(((Number) r.get("decode_tokens_per_s")).doubleValue()).isPositive();
        assertThat(((Number) r.get("train_samples_per_s")).doubleValue()).isPositive();
        assertThat(folder.resolve(v + "-" + l + "-" + fusions.get(fusions.size() - 1) + ".yaml")).isRegularFile();

        assertThatThrownBy(() -> Bench.run(REGISTRY, new Bench.Options(v + "+" + l + ":tiny+x", dir.resolve("bad"), 40, 1 << 20, 3, 2), l2 -> {}))
                .isInstanceOf(IrisException.class).hasMessageContaining("expected VISION:PRESET+LLM:PRESET+FUSION");
    }

    @Test
    void anUnknownPresetListsTheModelPresets() {
        assertThatThrownBy(() -> Bench.run(REGISTRY, new Bench.Options("nope", dir.resolve("nope"), 40, 1 << 20, 3, 2), l -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("--preset: 'nope' is not a model preset")
                .hasMessageContaining(ModelInit.modelPresets(REGISTRY).get(0).name());
    }
}
