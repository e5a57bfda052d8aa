package dev.iris.plugins.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigEditTest {
    @TempDir
    Path dir;

    private static final String YAML = """
            model:
              vision: { type: v, path: vis }
              llm:    { type: l, path: lm, weights: old/llm.safetensors }
              fusion: { type: f, weights: old/fusion.safetensors }
            train:
              dataset: { type: d, path: data }
              epochs: 2
              output: run
            """;

    private IrisConfig load(List<String> overrides) {
        return new ConfigLoader(dir.resolve("cwd")).parse(YAML, "c.yaml", dir, overrides);
    }

    @Test
    void typedEditsSetTheValuesAndLeaveTheOriginalAlone() {
        IrisConfig base = load(List.of());
        IrisConfig edited = base.edit()
                .trainStage(TrainConfig.Stage.LM).trainSteps(200).trainLr(3e-3).trainOutput(Path.of("elsewhere/out"))
                .llmWeights(dir.resolve("ck/llm.safetensors")).fusionWeights(Optional.empty())
                .runtimeWeights(Quantization.parse("int8")).runtimeThreads(3)
                .done();

        TrainConfig t = edited.train();
        assertThat(t.stage()).isEqualTo(TrainConfig.Stage.LM);
        assertThat(t.length()).isEqualTo(new TrainConfig.Steps(200)); // epochs gave way to steps
        assertThat(t.lr()).isEqualTo(3e-3);
        assertThat(t.output()).isEqualTo(Path.of("elsewhere/out").toAbsolutePath().normalize());
        assertThat(edited.llm().path("weights")).isEqualTo(dir.resolve("ck/llm.safetensors"));
        assertThat(edited.fusion().has("weights")).isFalse();
        assertThat(edited.runtime().weights().bits()).isEqualTo(8);
        assertThat(edited.runtime().threads()).isEqualTo(3);

        assertThat(base.train().length()).isEqualTo(new TrainConfig.Epochs(2));
        assertThat(base.train().output()).isEqualTo(dir.resolve("run"));
        assertThat(base.fusion().path("weights")).isEqualTo(dir.resolve("old/fusion.safetensors"));
    }

    @Test
    void anEditedKeyIsNoLongerReplayedFromAnEarlierSet() {
        // a resumed run replays the recorded --set overrides over the recorded values: one the command
        // replaced must not come back
        IrisConfig base = load(List.of("train.lr=0.5", "generate.seed=7"));
        IrisConfig edited = base.edit().trainLr(0.01).done();

        assertThat(edited.overrides()).extracting(IrisConfig.AppliedOverride::text).containsExactly("generate.seed=7");
        assertThat(edited.train().lr()).isEqualTo(0.01);
    }

    @Test
    void aWholeSectionCanBeSetAndKeysAreChecked() {
        IrisConfig edited = load(List.of()).edit().set("train.dataset", Map.of("type", "d2", "path", "/abs/data")).done();
        assertThat(edited.train().dataset().type()).isEqualTo("d2");

        assertThatThrownBy(() -> load(List.of()).edit().set("train.stpes", 3))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'train.stpes', did you mean steps?");
    }
}
