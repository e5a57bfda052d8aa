package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config a run folder records resolves its paths as the original run did, from any directory. */
class RunConfigTest {
    @TempDir
    Path dir;

    private static final String YAML = """
            model:
              vision: { type: siglip, path: ../models/vision }
              llm:    { type: qwen2,  path: ../models/llm }
              fusion: { type: projector }
            train:
              dataset: { type: parquet, path: ../data/train.parquet }
              output: ../runs/a
            """;

    @Test
    void relativePathsOfTheOriginalConfigResolveAgainstItsFolderNotTheRunFolder() throws Exception {
        Path configs = Files.createDirectories(dir.resolve("configs"));
        Path file = Files.writeString(configs.resolve("train.yaml"), YAML);
        IrisConfig original = new ConfigLoader(dir.resolve("elsewhere")).load(file, List.of());
        Path run = Files.createDirectories(original.train().output());
        assertThat(run).isEqualTo(dir.resolve("runs/a"));

        RunConfig.write(run, original);
        IrisConfig recorded = RunConfig.read(run, List.of());

        assertThat(recorded.vision().path("path")).isEqualTo(dir.resolve("models/vision"));
        assertThat(recorded.llm().path("path")).isEqualTo(dir.resolve("models/llm"));
        assertThat(recorded.train().dataset().path("path")).isEqualTo(dir.resolve("data/train.parquet"));
        assertThat(recorded.train().output()).isEqualTo(run);
        assertThat(Files.readString(run.resolve(RunConfig.CONFIG))).contains("../models/vision").contains(configs.toString());
    }

    @Test
    void overridesKeepTheFolderTheyWereTypedInAndNewOnesResolveAgainstTheCurrentOne() throws Exception {
        Path configs = Files.createDirectories(dir.resolve("configs"));
        Path typedIn = Files.createDirectories(dir.resolve("shell"));
        Path file = Files.writeString(configs.resolve("train.yaml"), YAML);
        IrisConfig original = new ConfigLoader(typedIn).load(file, List.of("train.dataset.path=mine/train.parquet", "train.steps=5"))
                .with(List.of("model.llm.weights=w/llm.safetensors"), typedIn.resolve("deeper"));
        Path run = Files.createDirectories(original.train().output());
        RunConfig.write(run, original);

        IrisConfig recorded = RunConfig.read(run, List.of("model.fusion.weights=f.safetensors", "train.steps=9"));

        assertThat(recorded.train().dataset().path("path")).isEqualTo(typedIn.resolve("mine/train.parquet"));
        assertThat(recorded.llm().path("weights")).isEqualTo(typedIn.resolve("deeper/w/llm.safetensors"));
        assertThat(recorded.vision().path("path")).isEqualTo(dir.resolve("models/vision"));
        assertThat(recorded.fusion().path("weights")).isEqualTo(Path.of("f.safetensors").toAbsolutePath());
        assertThat(recorded.train().length()).isEqualTo(new dev.iris.plugins.config.TrainConfig.Steps(9));
    }

    @Test
    void overridesAreReplayedInTheOrderTheyWereGiven() throws Exception {
        Path configs = Files.createDirectories(dir.resolve("configs"));
        List<String> sets = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) sets.add("train.dataset={type: parquet, path: s" + i + ".parquet}");
        sets.add("train.dataset.path=last.parquet");   // a value inside a section an earlier override set
        sets.add("train.steps=" + 3);
        IrisConfig original = new ConfigLoader(dir).load(Files.writeString(configs.resolve("t.yaml"), YAML), sets);
        Path run = Files.createDirectories(original.train().output());
        RunConfig.write(run, original);

        IrisConfig recorded = RunConfig.read(run, List.of());

        assertThat(recorded.train().dataset().path("path")).isEqualTo(dir.resolve("last.parquet"));
        assertThat(recorded.overrides()).extracting(IrisConfig.AppliedOverride::text)
                .containsExactly("train.dataset={type: parquet, path: s11.parquet}", "train.dataset.path=last.parquet", "train.steps=3");
    }

    @Test
    void aTypoInAResumeOverrideIsAnError() throws Exception {
        Path configs = Files.createDirectories(dir.resolve("configs"));
        IrisConfig original = new ConfigLoader().load(Files.writeString(configs.resolve("t.yaml"), YAML), List.of());
        Path run = Files.createDirectories(original.train().output());
        RunConfig.write(run, original);
        assertThatThrownBy(() -> RunConfig.read(run, List.of("train.stpes=9"))).hasMessageContaining("train.stpes");
    }

    @Test
    void aFolderThatIsNoRunSaysSo() {
        assertThatThrownBy(() -> RunConfig.read(dir, List.of())).isInstanceOf(IrisException.class)
                .hasMessage(dir + ": no config.yaml there (not a run folder)");
    }
}
