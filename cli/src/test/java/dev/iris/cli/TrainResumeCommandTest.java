package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.training.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris train --resume RUN_DIR} on a run whose config named its models and data with relative paths. */
class TrainResumeCommandTest {
    @TempDir
    Path dir;

    @Test
    void aRunWithRelativePathsResumesFromItsFolderAndReachesTheSameWeights() throws Exception {
        ModelInit.write(PluginRegistry.discover(), "tiny", dir.resolve("models"), 0);
        ShapesGenerator.write(dir.resolve("shapes"), 16, 4, 64, 1);
        Path config = Files.writeString(Files.createDirectories(dir.resolve("configs")).resolve("train.yaml"), """
                model:
                  vision: { type: siglip, path: ../models/vision }
                  llm:    { type: qwen2,  path: ../models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: ../shapes/train.parquet }
                  stage: pretrain
                  batch_size: 4
                  steps: 4
                  save_every: 2
                  output: ../runs/a
                """);
        IrisCliTest.Run first = IrisCliTest.run("train", "--config", config.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path run = dir.resolve("runs/a");
        byte[] uninterrupted = Files.readAllBytes(run.resolve("final/fusion.safetensors"));
        // as a kill after step 3 leaves it: the step-2 checkpoint, no final weights
        Checkpoint.deleteRecursively(run.resolve("final"));

        IrisCliTest.Run resumed = IrisCliTest.run("train", "--resume", run.toString());

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("trained 4 steps");
        assertThat(Files.readAllBytes(run.resolve("final/fusion.safetensors"))).isEqualTo(uninterrupted);
    }
}
