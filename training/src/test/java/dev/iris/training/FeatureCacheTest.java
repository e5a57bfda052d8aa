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

    private static IrisConfig visionSection(String vision) {
        return new ConfigLoader().parse("model:\n  vision: " + vision + "\n", "fp.yaml", dir, List.of());
    }

    private static String fp(String vision) {
        return FeatureCache.fingerprint(visionSection(vision).vision());
    }

    @Test
    void theCacheFolderKeysOnTheEncodersTypeCheckpointAndEverySetting() throws Exception {
        Files.createDirectories(dir.resolve("enc"));
        Files.writeString(dir.resolve("enc/config.json"), "{}");
        String base = fp("{ type: enc, path: enc, feature_layer: -2, select: default }");

        assertThat(base).startsWith("enc-").hasSize("enc-".length() + 16);
        // the same settings in another order: the same folder
        assertThat(fp("{ select: default, feature_layer: -2, path: enc, type: enc }")).isEqualTo(base);
        // the same folder written another way resolves to the same place
        assertThat(fp("{ type: enc, path: ./enc/../enc, feature_layer: -2, select: default }")).isEqualTo(base);
        // another type, another layer, another strategy, a setting more: each a folder of its own
        assertThat(fp("{ type: other, path: enc, feature_layer: -2, select: default }")).isNotEqualTo(base).startsWith("other-");
        assertThat(fp("{ type: enc, path: enc, feature_layer: -1, select: default }")).isNotEqualTo(base);
        assertThat(fp("{ type: enc, path: enc, feature_layer: -2, select: full }")).isNotEqualTo(base);
        assertThat(fp("{ type: enc, path: enc, feature_layer: -2, select: default, image_size: 32 }")).isNotEqualTo(base);
        assertThat(FeatureCache.identity(visionSection("{ type: enc, path: enc, feature_layer: -2 }").vision()))
                .contains("feature_layer=-2").contains("path=" + dir.resolve("enc").toAbsolutePath().normalize() + "|config.json:2:");

        // rewritten weights in the folder, or in a weights file a setting names, are another checkpoint
        Files.writeString(dir.resolve("enc/model.safetensors"), "x");
        String withWeights = fp("{ type: enc, path: enc, feature_layer: -2, select: default }");
        assertThat(withWeights).isNotEqualTo(base);
        Files.writeString(dir.resolve("tuned.safetensors"), "1");
        String tuned = fp("{ type: enc, path: enc, weights: tuned.safetensors }");
        Files.writeString(dir.resolve("tuned.safetensors"), "12");
        assertThat(fp("{ type: enc, path: enc, weights: tuned.safetensors }")).isNotEqualTo(tuned);
    }
}
