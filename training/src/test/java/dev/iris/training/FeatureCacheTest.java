package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feature cache that cannot be written is reported as the feature cache, with its folder and how to move it. */
class FeatureCacheTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        TrainerTest.setUpIn(dir);
    }

    @Test
    void aFullDiskNamesTheCacheFolderAndHowToMoveItAndLeavesNoPartFile() throws Exception {
        Path cache = dir.resolve("cache-full");
        FeatureFiles files = new FeatureFiles(cache, (file, bytes) -> {
            Files.write(file, new byte[] {1, 2, 3});   // part of it made it to disk
            throw new FileSystemException(file.toString(), null, "No space left on device");
        });
        String key = "ab" + "0".repeat(62);

        assertThatThrownBy(() -> files.write(key, new byte[64])).isInstanceOf(IrisException.class)
                .hasMessageContaining("feature cache " + cache)
                .hasMessageContaining("train.feature_cache")
                .hasMessageContaining("No space left on device");
        try (Stream<Path> s = Files.walk(cache)) {
            assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
        }
        assertThat(files.read(key, 64)).isNull();
    }

    @Test
    void writtenFeaturesReadBackAndAStaleSizeIsRecomputed() {
        FeatureFiles files = new FeatureFiles(dir.resolve("cache-ok"));
        String key = "cd" + "1".repeat(62);
        files.write(key, new byte[] {1, 2, 3, 4});
        assertThat(files.read(key, 4)).containsExactly(1, 2, 3, 4);
        assertThat(files.read(key, 8)).isNull();
    }

    @Test
    void trainingWithACacheFolderThatCannotBeMadeNamesTheCacheNotTheRunFolder() throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-folder"), "a file where the cache should go");
        IrisConfig cfg = new ConfigLoader().parse("""
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: shapes/train.parquet }
                  stage: pretrain
                  batch_size: 2
                  steps: 1
                  output: runs/cache
                  feature_cache: not-a-folder/cache
                """, "test.yaml", dir, List.of());

        assertThatThrownBy(() -> Trainer.train(cfg, TrainerTest.REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("feature cache " + blocker.resolve("cache"))
                .hasMessageContaining("train.feature_cache")
                .hasMessageContaining("Not a directory");   // the system's reason, not only a file name
    }
}
