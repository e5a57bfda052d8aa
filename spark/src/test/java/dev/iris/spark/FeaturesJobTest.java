package dev.iris.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.ModelParts;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.training.FeatureCache;
import dev.iris.training.FeatureTable;
import dev.iris.training.Trainer;
import dev.iris.training.VisionTower;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features job in local[2] on 200 shape rows and 4 bad ones, against the single-process encoder and trainer. */
class FeaturesJobTest {
    @TempDir
    static Path dir;
    static Path config;
    static SparkSession spark;
    static FeaturesJob.Summary summary;
    static final int SHARDS = 4;

    @BeforeAll
    static void runOnce() {
        spark = SparkTests.session();
        config = SparkTests.setUp(dir);
        summary = FeaturesJob.run(spark, options("out"));
    }

    static FeaturesJob.Options options(String output) {
        return new FeaturesJob.Options(ModelSpec.of(config, List.of()), dir.resolve("data").toString(), dir.resolve(output).toString(),
                DatasetColumns.defaults(), SHARDS, 8);
    }

    @Test
    void featuresEqualTheSingleProcessEncodersBitForBit() {
        Map<String, byte[]> spark = features("out");
        IrisConfig cfg = ModelSpec.of(config, List.of()).config();
        Map<String, byte[]> local = new HashMap<>();
        try (ModelParts parts = ModelParts.create(cfg, SparkTests.REGISTRY)) {
            SessionFactory sessions = new SessionFactory(new OrtRuntime(cfg.runtime().device(), cfg.runtime().threads()), parts.sources(), 7);
            FeatureCache cache = new FeatureCache(dir.resolve("local-cache"), parts.vision(), sessions.withSeed(0)::open);
            List<Tensor> pixels = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            try (var examples = Trainer.openDataset(SparkTests.REGISTRY, cfg.train().dataset()).open()) {
                while (examples.hasNext()) {
                    Dataset.Example ex = examples.next();
                    pixels.add(parts.vision().preprocess(ex.firstImage(), ex.id()));
                    keys.add(FeatureCache.key(ex.firstImage()));
                    if (pixels.size() == 4 || !examples.hasNext()) {   // another batch size than the job's 8
                        List<Tensor> out = cache.compute(pixels, keys);
                        for (int i = 0; i < out.size(); i++) local.put(keys.get(i), VisionTower.bytes(out.get(i)));
                        pixels.clear();
                        keys.clear();
                    }
                }
            }
            cache.close();
        }
        assertThat(local).hasSize(distinctShapeImages());
        assertThat(spark.keySet()).isEqualTo(local.keySet());
        for (String key : local.keySet()) assertThat(spark.get(key)).as("features of image %s", key).isEqualTo(local.get(key));
        assertThat(ExecutorModels.visionLoads()).as("vision models loaded in this JVM (driver and local executor)").isEqualTo(1);
    }

    @Test
    void everyRowIsEncodedRejectedWithItsReasonOrARepeat() {
        Map<String, String> rejects = new TreeMap<>();
        for (Row r : spark.read().parquet(dir.resolve("out").resolve(FeatureTable.REJECTS).toString()).collectAsList()) {
            rejects.put(r.getAs(FeatureTable.ID), r.getAs(FeatureTable.REASON));
        }
        assertThat(rejects.keySet()).containsExactly("bad-garbage", "bad-missing", "bad-webp");
        assertThat(rejects.get("bad-garbage")).startsWith("undecodable image: ");
        assertThat(rejects.get("bad-webp")).startsWith("undecodable image: ");
        assertThat(rejects.get("bad-missing")).isEqualTo("no image (neither bytes nor a path)");
        // the shapes repeat a few drawings at 32 px, and one bad row repeats the first image: each image is encoded once
        int distinct = distinctShapeImages();
        assertThat(distinct).isLessThan(SparkTests.SHAPES);
        assertThat(summary).isEqualTo(new FeaturesJob.Summary(SparkTests.SHAPES + SparkTests.BAD_ROWS, distinct, 3,
                SparkTests.SHAPES + 1 - distinct, SHARDS, 0));
        // every image sits in the shard of its content hash
        for (Row r : spark.read().parquet(dir.resolve("out").resolve(FeatureTable.FEATURES).toString()).collectAsList()) {
            assertThat((int) r.getAs("shard")).isEqualTo(FeatureTable.shard(r.getAs(FeatureTable.KEY), SHARDS));
        }
    }

    @Test
    void aKilledJobReRunWithTheSameOutputFinishesTheRestAndGivesTheSameRows() throws IOException {
        // what a job killed while writing shard 2 leaves: shards 0 and 1 committed, shard 2 half-written without its marker,
        // shard 3 not started, and the committer's temporary folder
        Path cut = dir.resolve("cut");
        copy(dir.resolve("out"), cut);
        Path features = cut.resolve(FeatureTable.FEATURES);
        Files.delete(features.resolve("shard=2").resolve(FeatureTable.DONE));
        try (Stream<Path> parts = Files.list(features.resolve("shard=2"))) {
            for (Path p : parts.filter(p -> p.toString().endsWith(".parquet")).toList()) Files.write(p, new byte[] {1, 2, 3});
        }
        deleteTree(features.resolve("shard=3"));
        deleteTree(cut.resolve(FeatureTable.REJECTS).resolve("shard=3"));
        Files.createDirectories(features.resolve("shard=2").resolve("_temporary/0"));
        FileTime before = Files.getLastModifiedTime(features.resolve("shard=0").resolve(FeatureTable.DONE));

        FeaturesJob.Summary rerun = FeaturesJob.run(spark, options("cut"));

        assertThat(rerun.shardsSkipped()).isEqualTo(2);
        assertThat(rerun.shardsWritten()).isEqualTo(2);
        assertThat(Files.getLastModifiedTime(features.resolve("shard=0").resolve(FeatureTable.DONE))).isEqualTo(before);
        Map<String, byte[]> whole = features("out"), resumed = features("cut");
        assertThat(resumed.keySet()).isEqualTo(whole.keySet());
        for (String key : whole.keySet()) assertThat(resumed.get(key)).isEqualTo(whole.get(key));
        assertThat(rejectIds("cut")).isEqualTo(rejectIds("out"));
        assertThat(rerun.rejects()).isEqualTo(summary.rejects());
    }

    @Test
    void aJobKilledInItsOwnJvmAndReRunGivesTheRowsOfAnUninterruptedRun() throws Exception {
        // the job as spark-submit runs it (its main, local[2], a JVM of its own), killed (SIGKILL) once its first shard is committed
        Path killed = dir.resolve("killed");
        int shards = 8;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1",
                "-cp", System.getProperty("java.class.path"), FeaturesJob.class.getName(),
                config.toString(), dir.resolve("data").toString(), killed.toString(), "shards=" + shards));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path firstDone = killed.resolve(FeatureTable.FEATURES).resolve("shard=0").resolve(FeatureTable.DONE);
        while (!Files.exists(firstDone) && child.isAlive()) Thread.sleep(20);
        child.destroyForcibly().waitFor();
        if (!Files.exists(firstDone)) {
            throw new AssertionError("the job's JVM ended before committing a shard; its output:\n" + Files.readString(dir.resolve("killed.log")));
        }
        int doneAtKill = 0;
        for (int k = 0; k < shards; k++) {
            if (Files.exists(killed.resolve(FeatureTable.FEATURES).resolve("shard=" + k).resolve(FeatureTable.DONE))) doneAtKill++;
        }

        assertThat(doneAtKill).as("shards committed when the kill came (each takes several Spark jobs)").isLessThan(shards);
        FeaturesJob.Summary rerun = FeaturesJob.run(spark, new FeaturesJob.Options(ModelSpec.of(config, List.of()), dir.resolve("data").toString(),
                killed.toString(), DatasetColumns.defaults(), shards, 8));

        assertThat(rerun.shardsSkipped()).isEqualTo(doneAtKill);
        assertThat(rerun.shardsWritten()).isEqualTo(shards - doneAtKill);
        Map<String, byte[]> whole = features("out"), resumed = features("killed");
        assertThat(resumed.keySet()).isEqualTo(whole.keySet());
        for (String key : whole.keySet()) assertThat(resumed.get(key)).isEqualTo(whole.get(key));
        assertThat(rejectIds("killed")).isEqualTo(rejectIds("out"));
    }

    @Test
    void trainingFromTheJobsFeaturesGivesTheLossesOfTrainingFromTheImages() throws IOException {
        IrisConfig base = ModelSpec.of(config, List.of()).config();
        Trainer.Result images = Trainer.train(base.with(List.of("train.output=" + dir.resolve("runs/images"),
                "train.feature_cache=" + dir.resolve("cache-images"))), SparkTests.REGISTRY, Optional.empty(), s -> {});
        Trainer.Result features = Trainer.train(base.with(List.of("train.output=" + dir.resolve("runs/features"),
                "train.feature_cache=" + dir.resolve("cache-features"), "train.features=" + dir.resolve("out"))),
                SparkTests.REGISTRY, Optional.empty(), s -> {});
        assertThat(Files.readAllLines(dir.resolve("runs/images/metrics.jsonl")).stream().map(FeaturesJobTest::loss).toList())
                .hasSize(3)
                .isEqualTo(Files.readAllLines(dir.resolve("runs/features/metrics.jsonl")).stream().map(FeaturesJobTest::loss).toList());
        assertThat(features.finalLoss()).isEqualTo(images.finalLoss());
        assertThat(Files.readAllBytes(features.finalCheckpoint().resolve("fusion.safetensors")))
                .isEqualTo(Files.readAllBytes(images.finalCheckpoint().resolve("fusion.safetensors")));
    }

    @Test
    void trainingFromFeaturesOfAnotherEncoderIsRefused() throws IOException {
        copy(dir.resolve("models/vision"), dir.resolve("models/vision-copy"));   // another checkpoint folder: another fingerprint
        IrisConfig other = ModelSpec.of(config, List.of()).config().with(List.of("train.output=" + dir.resolve("runs/other"),
                "train.feature_cache=" + dir.resolve("cache-other"), "train.features=" + dir.resolve("out"), "model.vision.path=" + dir.resolve("models/vision-copy")));
        assertThatThrownBy(() -> Trainer.train(other, SparkTests.REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("holds features of encoder")
                .hasMessageContaining("run the features job with this config's model.vision section");
    }

    @Test
    void trainingFromAnUnfinishedOrIncompleteJobIsRefusedNamingWhatIsMissing() throws IOException {
        IrisConfig base = ModelSpec.of(config, List.of()).config();
        Path unfinished = dir.resolve("unfinished");
        copy(dir.resolve("out"), unfinished);
        Files.delete(unfinished.resolve(FeatureTable.FEATURES).resolve("shard=1").resolve(FeatureTable.DONE));
        assertThatThrownBy(() -> Trainer.train(base.with(List.of("train.output=" + dir.resolve("runs/unfinished"),
                "train.feature_cache=" + dir.resolve("cache-unfinished"), "train.features=" + unfinished)), SparkTests.REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("shard shard=1 was not completed (no _SUCCESS)");

        // a job run over another dataset: the training images of the missing shard have no features, and no vision tower stands in
        Path partial = dir.resolve("partial");
        copy(dir.resolve("out"), partial);
        deleteTree(partial.resolve(FeatureTable.FEATURES).resolve("shard=1"));
        assertThatThrownBy(() -> Trainer.train(base.with(List.of("train.output=" + dir.resolve("runs/partial"),
                "train.feature_cache=" + dir.resolve("cache-partial"), "train.features=" + partial)), SparkTests.REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("train.features " + partial + " has no features for")
                .hasMessageContaining("run the features job over this dataset");
    }

    @Test
    void aMissingImageColumnIsNamedBeforeAnyWork() {
        FeaturesJob.Options o = new FeaturesJob.Options(ModelSpec.of(config, List.of()), dir.resolve("data").toString(),
                dir.resolve("never").toString(), new DatasetColumns("id", "picture", "caption"), SHARDS, 8);
        assertThatThrownBy(() -> FeaturesJob.run(spark, o))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("no column 'picture' (option image=");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    /** Distinct images among the shape rows, counted apart from the job: SHA-256 of each row's image bytes. */
    private static int distinctShapeImages() {
        return (int) spark.read().parquet(dir.resolve("data/train.parquet").toString()).collectAsList().stream()
                .map(r -> FeatureCache.key(r.getStruct(0).getAs("bytes"))).distinct().count();
    }

    /** The loss of a metrics line, as written. */
    private static String loss(String json) {
        int i = json.indexOf("\"loss\":");
        return json.substring(i, json.indexOf(',', i));
    }

    private static Map<String, byte[]> features(String output) {
        Map<String, byte[]> out = new HashMap<>();
        for (Row r : spark.read().parquet(dir.resolve(output).resolve(FeatureTable.FEATURES).toString()).collectAsList()) {
            assertThat(out.put(r.getAs(FeatureTable.KEY), r.getAs(FeatureTable.VALUES))).as("key %s once", (Object) r.getAs(FeatureTable.KEY)).isNull();
            assertThat(HexFormat.isHexDigit(((String) r.getAs(FeatureTable.KEY)).charAt(0))).isTrue();
        }
        return out;
    }

    private static List<String> rejectIds(String output) {
        return spark.read().parquet(dir.resolve(output).resolve(FeatureTable.REJECTS).toString()).collectAsList().stream()
                .map(r -> r.<String>getAs(FeatureTable.ID) + ": " + r.getAs(FeatureTable.REASON)).sorted().toList();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
