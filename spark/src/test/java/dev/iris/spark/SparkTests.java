package dev.iris.spark;

import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.training.TestRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: one local[2] session per JVM, tiny models, a dataset with good and bad rows. */
final class SparkTests {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    /** Shape rows of the synthetic dataset; the bad-rows file adds {@link #BAD_ROWS} more. */
    static final int SHAPES = 200;
    static final int BAD_ROWS = 4;

    private SparkTests() {}

    static synchronized SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("iris-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    /**
     * Tiny models in {@code dir/models}, a config {@code dir/config.yaml} training on
     * {@code dir/data/train.parquet} (200 shape rows), and {@code dir/data/bad.parquet}: a row
     * whose bytes are no image, one without an image, one with the head of a WebP file only, and
     * one repeating the first shape row's image.
     */
    static Path setUp(Path dir) {
        try {
            ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
            ShapesGenerator.write(dir.resolve("data"), SHAPES, 0, 32, 1);
            Files.delete(dir.resolve("data").resolve(ShapesGenerator.HELDOUT_FILE));
            byte[] first = session().read().parquet(dir.resolve("data").resolve(ShapesGenerator.TRAIN_FILE).toString())
                    .first().getStruct(0).getAs("bytes");
            TestRows.write(dir.resolve("data/bad.parquet"), List.of(
                    new TestRows.Row("bad-garbage", "noise", TestRows.garbage(3)),
                    new TestRows.Row("bad-missing", "nothing", null),
                    new TestRows.Row("bad-webp", "a webp head", TestRows.webp()),
                    new TestRows.Row("dup-first", "the first image again", first)));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    model:
                      vision: { type: siglip, path: models/vision }
                      llm:    { type: qwen2,  path: models/llm }
                      fusion: { type: projector, merge: sequential, factor: 4 }
                    runtime: { device: cpu, threads: 1 }
                    generate: { max_new_tokens: 6 }
                    train:
                      dataset: { type: parquet, path: data/train.parquet }
                      stage: pretrain
                      prompts: ["Describe the image."]
                      lr: 1.0e-2
                      warmup_steps: 1
                      batch_size: 4
                      grad_accum: 1
                      steps: 3
                      save_every: 0
                      shuffle: false
                      seed: 7
                      output: runs/default
                    """);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
