package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code --resume} of a run whose config used relative paths, from another directory, and of a
 * run whose latest checkpoint is damaged: both reach the weights of an uninterrupted run.
 */
class ResumeTest {
    @TempDir
    static Path dir;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static Path configFile;
    static Map<String, Tensor> uninterrupted;

    @BeforeAll
    static void setUp() throws Exception {
        TrainerTest.setUpIn(dir);
        Path configs = Files.createDirectories(dir.resolve("configs"));
        configFile = Files.writeString(configs.resolve("train.yaml"), """
                model:
                  vision: { type: siglip, path: ../models/vision }
                  llm:    { type: qwen2,  path: ../models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: ../shapes/train.parquet }
                  stage: pretrain
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 2
                  batch_size: 4
                  grad_accum: 1
                  steps: 6
                  save_every: 2
                  seed: 3
                  output: ../runs/whole
                """);
        // loaded with the working directory elsewhere: only the config's own folder may matter
        Trainer.Result whole = Trainer.train(load(), REGISTRY, Optional.empty(), s -> {});
        uninterrupted = Checkpoint.readParams(whole.finalCheckpoint());
    }

    private static IrisConfig load(String... overrides) {
        return new ConfigLoader(dir.resolve("shell")).load(configFile, List.of(overrides));
    }

    /** A run of the same config into {@code runs/<name>} killed after step 5: checkpoints at steps 2 and 4. */
    private static Path interruptedRun(String name) {
        IrisConfig cfg = load("train.output=" + dir.resolve("runs").resolve(name));
        assertThatThrownBy(() -> Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {
            if (s.step() == 5) throw new IllegalStateException("simulated kill after step 5");
        })).hasMessageContaining("simulated kill");
        Path run = dir.resolve("runs").resolve(name);
        assertThat(Checkpoint.latest(run)).contains(run.resolve("checkpoints").resolve(Checkpoint.stepName(4)));
        return run;
    }

    private static void assertSameWeights(Trainer.Result resumed) {
        Map<String, Tensor> b = Checkpoint.readParams(resumed.finalCheckpoint());
        assertThat(b.keySet()).isEqualTo(uninterrupted.keySet()).isNotEmpty();
        for (String k : uninterrupted.keySet()) assertThat(b.get(k).toFloats()).as(k).containsExactly(uninterrupted.get(k).toFloats());
    }

    @Test
    void aRunWhoseConfigUsedRelativePathsResumesFromTheRunFolderAlone() {
        Path run = interruptedRun("relative");

        Trainer.Result resumed = Trainer.train(RunConfig.read(run, List.of()), REGISTRY, Optional.of(run), s -> {});

        assertThat(resumed.steps()).isEqualTo(6);
        assertSameWeights(resumed);
    }

    @Test
    void aDamagedLatestCheckpointIsNamedAndThePreviousCompleteOneIsUsed() throws Exception {
        Path run = interruptedRun("damaged");
        Path damaged = run.resolve("checkpoints").resolve(Checkpoint.stepName(4));
        try (FileChannel ch = FileChannel.open(damaged.resolve("fusion.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);   // as a disk filling up or a copy cut short would leave it
        }
        Logger log = (Logger) LoggerFactory.getLogger(Trainer.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        ch.qos.logback.classic.Level was = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        log.addAppender(seen);
        Trainer.Result resumed;
        try {
            resumed = Trainer.train(RunConfig.read(run, List.of()), REGISTRY, Optional.of(run), s -> {});
        } finally {
            log.detachAppender(seen);
            log.setLevel(was);
        }

        List<String> messages = seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains(damaged.toString()).contains("damaged")
                .contains(damaged.resolve("fusion.safetensors").toString()));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("previous complete checkpoint")
                .contains(run.resolve("checkpoints").resolve(Checkpoint.stepName(2)).toString()));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("at step 2"));
        assertThat(resumed.steps()).isEqualTo(6);
        assertSameWeights(resumed);
    }
}
