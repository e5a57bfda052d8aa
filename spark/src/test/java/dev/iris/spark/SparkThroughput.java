package dev.iris.spark;

import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.Tensor;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.training.FeatureCache;
import dev.iris.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Not a test: measures the features and caption jobs in local[2] next to the same work in one
 * process, for the README ("Scaling out"). Run from the module's test classpath:
 * {@code java -Xmx12g <spark jvm options> -cp CP dev.iris.spark.SparkThroughput DIR PRESET IMAGES CAPTION_ROWS TOKENS}.
 */
public final class SparkThroughput {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        String preset = args[1];
        int images = Integer.parseInt(args[2]), captionRows = Integer.parseInt(args[3]), tokens = Integer.parseInt(args[4]);
        Path configFile = dir.resolve("models").resolve(ModelInit.CONFIG_FILE);
        if (!Files.exists(configFile)) ModelInit.write(SparkTests.REGISTRY, preset, dir.resolve("models"), 0);
        ShapesGenerator.write(dir.resolve("data"), images, 0, 224, 1);
        Files.deleteIfExists(dir.resolve("data").resolve(ShapesGenerator.HELDOUT_FILE));
        List<String> overrides = List.of("runtime.threads=2", "generate.max_new_tokens=" + tokens, "generate.temperature=1.0", "generate.seed=1",
                "train.dataset.type=parquet", "train.dataset.path=" + dir.resolve("data/train.parquet"), "train.output=" + dir.resolve("run"));
        ModelSpec spec = ModelSpec.of(configFile, overrides);
        IrisConfig cfg = spec.config();

        // one process: preprocess + vision tower in batches of 8, as training computes its feature cache
        List<byte[]> all = new ArrayList<>();
        try (var ex = Trainer.openDataset(SparkTests.REGISTRY, cfg.train().dataset()).open()) {
            while (ex.hasNext()) {
                Dataset.Example e = ex.next();
                all.add(e.firstImage());
            }
        }
        double singleImagesPerS;
        try (ModelParts parts = ModelParts.create(cfg, SparkTests.REGISTRY)) {
            SessionFactory sessions = new SessionFactory(new OrtRuntime(cfg.runtime().device(), cfg.runtime().threads()), parts.sources(), 0);
            FeatureCache cache = new FeatureCache(dir.resolve("single-cache-" + System.nanoTime()), parts.vision(), sessions::open);
            encode(cache, parts, all.subList(0, 8));   // warm-up: compile and bind
            long t0 = System.nanoTime();
            encode(cache, parts, all);
            singleImagesPerS = all.size() / ((System.nanoTime() - t0) / 1e9);
            cache.close();
        }
        System.out.printf("single process: %d images, %.2f images/s (batch 8, runtime.threads 2)%n", all.size(), singleImagesPerS);

        SparkSession spark = SparkTests.session();
        long t0 = System.nanoTime();
        FeaturesJob.Summary s = FeaturesJob.run(spark, new FeaturesJob.Options(spec, dir.resolve("data").toString(),
                dir.resolve("features-" + System.nanoTime()).toString(), DatasetColumns.defaults(), 4, 8));
        double sparkS = (System.nanoTime() - t0) / 1e9;
        System.out.printf("spark local[2] features: %s in %.1f s: %.2f distinct images/s (model load and Spark start-up of the job included)%n",
                s, sparkS, s.images() / sparkS);

        // captions: one process generates row after row; the job generates 4 rows at once per task
        List<byte[]> rows = all.subList(0, captionRows);
        long generated = 0;
        double singleTokensPerS;
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, SparkTests.REGISTRY)) {
            model.prepare();
            model.generate(Optional.of(rows.get(0)), "warm-up", "Describe the image.", cfg.generate(), p -> {});
            long c0 = System.nanoTime();
            for (byte[] image : rows) {
                GenerationResult g = model.generate(Optional.of(image), "row", "Describe the image.", cfg.generate(), p -> {});
                generated += g.generatedIds().length;
            }
            singleTokensPerS = generated / ((System.nanoTime() - c0) / 1e9);
        }
        System.out.printf("single process captions: %d rows, %d tokens, %.2f tokens/s%n", rows.size(), generated, singleTokensPerS);
        Path small = dir.resolve("caption-input-" + System.nanoTime());
        spark.read().parquet(dir.resolve("data/train.parquet").toString()).limit(captionRows).write().parquet(small.toString());
        long c0 = System.nanoTime();
        Path out = dir.resolve("captions-" + System.nanoTime());
        CaptionJob.Summary cs = CaptionJob.run(spark, new CaptionJob.Options(spec, small.toString(), out.toString(),
                DatasetColumns.defaults(), "Describe the image.", 2, 4));
        double captionS = (System.nanoTime() - c0) / 1e9;
        Row sum = spark.read().parquet(out.resolve(CaptionJob.CAPTIONS).toString()).agg(functions.sum(CaptionRows.GENERATED_TOKENS)).first();
        long sparkTokens = sum.getLong(0);
        System.out.printf("spark local[2] captions: %s, %d tokens in %.1f s: %.2f tokens/s (model load included)%n", cs, sparkTokens, captionS,
                sparkTokens / captionS);
        spark.stop();
    }

    private static void encode(FeatureCache cache, ModelParts parts, List<byte[]> images) {
        List<Tensor> pixels = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (byte[] image : images) {
            pixels.add(parts.vision().preprocess(image, "image"));
            keys.add(FeatureCache.key(image));
            if (pixels.size() == 8) {
                cache.compute(pixels, keys);
                pixels.clear();
                keys.clear();
            }
        }
        cache.compute(pixels, keys);
    }
}
