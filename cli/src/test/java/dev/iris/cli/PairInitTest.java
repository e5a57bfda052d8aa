package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.spi.ModelPreset;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris init --vision/--llm/--fusion} and {@code iris plugins}' presets, with the errors a user meets. */
class PairInitTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    Path dir;

    /** A vision encoder and a language model that have a tiny preset, whatever is installed. */
    private static String first(ProviderKind kind) {
        return REGISTRY.providers(kind).stream().filter(p -> p.presets().contains("tiny")).findFirst().orElseThrow().type();
    }

    @Test
    void anUnknownTypeListsTheInstalledOnes() {
        IrisCliTest.Run r = IrisCliTest.run("init", "--vision", "nope:tiny", "--llm", first(ProviderKind.LLM) + ":tiny",
                "--fusion", REGISTRY.types(ProviderKind.FUSION).get(0), "--out", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("model.vision.type: unknown vision encoder 'nope' (found: "
                + String.join(", ", REGISTRY.types(ProviderKind.VISION)) + ")");
        try (var s = Files.list(dir)) {
            assertThat(s).as("nothing written before every name is checked").isEmpty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        IrisCliTest.Run f = IrisCliTest.run("init", "--vision", first(ProviderKind.VISION) + ":tiny", "--llm", first(ProviderKind.LLM) + ":tiny",
                "--fusion", "nope", "--out", dir.toString());
        assertThat(f.err()).startsWith("model.fusion.type: unknown fusion 'nope' (found: " + String.join(", ", REGISTRY.types(ProviderKind.FUSION)) + ")");
    }

    @Test
    void anUnknownPresetListsThatTypesPresets() {
        String llm = first(ProviderKind.LLM);
        Provider lp = REGISTRY.llm(llm);
        IrisCliTest.Run r = IrisCliTest.run("init", "--vision", first(ProviderKind.VISION) + ":tiny", "--llm", llm + ":huge",
                "--fusion", REGISTRY.types(ProviderKind.FUSION).get(0), "--out", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("model.llm: language model '" + llm + "' has no preset 'huge' (its presets: " + String.join(", ", lp.presets()) + ")");
    }

    @Test
    void aMissingPresetOrMixedOptionsAreUsageErrors() {
        IrisCliTest.Run noPreset = IrisCliTest.run("init", "--vision", first(ProviderKind.VISION), "--llm", first(ProviderKind.LLM) + ":tiny",
                "--fusion", REGISTRY.types(ProviderKind.FUSION).get(0), "--out", dir.toString());
        assertThat(noPreset.exitCode()).isEqualTo(1);
        assertThat(noPreset.err()).startsWith("--vision " + first(ProviderKind.VISION) + ": expected TYPE:PRESET");

        IrisCliTest.Run both = IrisCliTest.run("init", "--preset", "tiny", "--vision", "x:tiny", "--out", dir.toString());
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).startsWith("give either --preset NAME or all of --vision");

        IrisCliTest.Run half = IrisCliTest.run("init", "--vision", "x:tiny", "--out", dir.toString());
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).startsWith("a pair needs all of --vision");
    }

    @Test
    void aFusionSettingTheLanguageModelCannotTakeFailsNamingTheKeyAndHowToChangeIt() {
        // every fusion gets a setting no tiny model can satisfy through --set; the projector's factor must divide the patches
        String fusion = ModelInit.modelPresets(REGISTRY).stream().map(ModelPreset::fusion)
                .filter(p -> p.settings().containsKey("factor")).map(ModelPreset.Part::type).findFirst().orElseThrow();
        IrisCliTest.Run r = IrisCliTest.run("init", "--vision", first(ProviderKind.VISION) + ":tiny", "--llm", first(ProviderKind.LLM) + ":tiny",
                "--fusion", fusion, "--set", "model.fusion.factor=7", "--out", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("model.fusion").contains("--set model.fusion.KEY=VALUE");
    }

    @Test
    void overridesGoIntoTheWrittenConfigAndPartsAreSharedByName() throws Exception {
        String v = first(ProviderKind.VISION), l = first(ProviderKind.LLM);
        String fusion = REGISTRY.types(ProviderKind.FUSION).get(0);
        IrisCliTest.Run r = IrisCliTest.run("init", "--vision", v + ":tiny", "--llm", l + ":tiny", "--fusion", fusion,
                "--set", "generate.max_new_tokens=7", "--out", dir.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path config = dir.resolve(v + "-" + l + "-" + fusion + ".yaml");
        assertThat(r.out()).contains("vision: " + dir.resolve(v + "-tiny"), "llm: " + dir.resolve(l + "-tiny"), "config: " + config);
        IrisConfig cfg = IrisConfig.load(config, List.of());
        assertThat(cfg.generate().maxNewTokens()).isEqualTo(7);
        assertThat(cfg.vision().path("path")).isEqualTo(dir.resolve(v + "-tiny"));
        assertThat(Files.readString(config)).startsWith("# written by `iris init --vision " + v + ":tiny --llm " + l + ":tiny --fusion " + fusion
                + "` with --set generate.max_new_tokens=7");
        // the same seed writes the same weights: a part shared by two pairs is the same part
        byte[] before = Files.readAllBytes(dir.resolve(v + "-tiny/model.safetensors"));
        IrisCliTest.Run again = IrisCliTest.run("init", "--vision", v + ":tiny", "--llm", l + ":tiny", "--fusion",
                REGISTRY.types(ProviderKind.FUSION).get(1), "--out", dir.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readAllBytes(dir.resolve(v + "-tiny/model.safetensors"))).isEqualTo(before);
    }

    @Test
    void pluginsListsEachPartsPresetsAndTheModelPresets() throws Exception {
        IrisCliTest.Run r = IrisCliTest.run("plugins");
        assertThat(r.exitCode()).isZero();
        for (ProviderKind kind : List.of(ProviderKind.VISION, ProviderKind.LLM)) {
            String option = kind == ProviderKind.VISION ? "--vision" : "--llm";
            for (Provider p : REGISTRY.providers(kind)) {
                if (p.presets().isEmpty()) continue;
                assertThat(r.out()).contains("      presets (iris init " + option + " " + p.type() + ":PRESET): " + String.join(", ", p.presets()) + "\n");
            }
        }
        assertThat(r.out()).contains("model presets (iris init --preset NAME, iris bench --preset NAME):\n");
        List<ModelPreset> models = ModelInit.modelPresets(REGISTRY);
        assertThat(models).isNotEmpty();
        for (ModelPreset m : models) assertThat(r.out()).containsPattern("\n  " + m.name() + " +" + m.vision().type() + ":" + m.vision().preset().get());

        JsonNode json = new ObjectMapper().readTree(IrisCliTest.run("plugins", "--json").out());
        assertThat(json.get("model_presets")).hasSize(models.size());
        assertThat(json.get("model_presets").get(0).get("vision").get("type").asText()).isEqualTo(models.get(0).vision().type());
        for (JsonNode v : json.get("vision")) {
            assertThat(v.get("presets").isArray()).isTrue();
        }
    }
}
