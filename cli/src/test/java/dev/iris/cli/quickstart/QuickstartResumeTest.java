package dev.iris.cli.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.training.Checkpoint;
import dev.iris.training.RunConfig;
import dev.iris.training.Trainer;
import dev.iris.training.TrainerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --resume} of a run made from the quickstart's config reaches the weights of an uninterrupted run. */
class QuickstartResumeTest {
    @TempDir
    static Path dir;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void setUp() throws Exception {
        TrainerTest.setUpIn(dir);
    }

    @Test
    void aQuickstartRunResumes() throws Exception {
        // the quickstart's config: paths relative to its output folder, stages set with overrides
        Files.createSymbolicLink(dir.resolve("data"), dir.resolve("shapes"));
        IrisConfig stage = Quickstart.baseConfig(dir, new Quickstart.Plan(24, 8, 6, 6, 6, 4, 3e-3, 1e-2, 3e-3, 1), REGISTRY)
                .with(List.of("train.eval_dataset=null", "train.stage=pretrain", "train.steps=6", "train.save_every=2", "train.seed=3", "train.lr=1.0e-2",
                        "train.warmup_steps=2", "train.output=" + dir.resolve("quickstart/pretrain")));
        Map<String, Tensor> whole = Checkpoint.readParams(Trainer.train(stage, REGISTRY, Optional.empty(), s -> {}).finalCheckpoint());
        Path run = dir.resolve("quickstart/pretrain-cut");
        assertThatThrownBy(() -> Trainer.train(stage.with(List.of("train.output=" + run)), REGISTRY, Optional.empty(), s -> {
            if (s.step() == 5) throw new IllegalStateException("simulated kill after step 5");
        })).hasMessageContaining("simulated kill");

        Trainer.Result resumed = Trainer.train(RunConfig.read(run, List.of()), REGISTRY, Optional.of(run), s -> {});

        Map<String, Tensor> b = Checkpoint.readParams(resumed.finalCheckpoint());
        assertThat(b.keySet()).isEqualTo(whole.keySet()).isNotEmpty();
        for (String k : whole.keySet()) assertThat(b.get(k).toFloats()).as(k).containsExactly(whole.get(k).toFloats());
    }
}
