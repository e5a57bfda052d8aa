package dev.iris.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.training.FeatureTable;
import dev.iris.training.TestRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caption job in local[2] against single-process generation ({@code iris generate}'s path) with the same seed. */
class CaptionJobTest {
    @TempDir
    static Path dir;
    static Path config;
    static SparkSession spark;
    static final String PROMPT = "Describe the image.";
    /** Sampling, so that the seed matters: each row's generation starts from the config's seed, as iris generate's does. */
    static final List<String> SAMPLING = List.of("generate.temperature=0.9", "generate.top_k=20", "generate.seed=5");
    static List<TestRows.Row> rows = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        spark = SparkTests.session();
        config = SparkTests.setUp(dir);
        List<Row> shapes = spark.read().parquet(dir.resolve("data/train.parquet").toString()).limit(10).collectAsList();
        for (Row r : shapes) rows.add(new TestRows.Row(r.getAs("id"), r.getAs("caption"), r.getStruct(0).getAs("bytes")));
        rows.add(new TestRows.Row("bad-garbage", "noise", TestRows.garbage(5)));
        rows.add(new TestRows.Row("bad-missing", "nothing", null));
        TestRows.write(dir.resolve("small.parquet"), rows);
    }

    @Test
    void captionsEqualSingleProcessGenerationForTheSameRowsAndSeed() {
        ModelSpec spec = ModelSpec.of(config, SAMPLING);
        int loadsBefore = ExecutorModels.modelLoads();
        CaptionJob.Summary s = CaptionJob.run(spark, new CaptionJob.Options(spec, dir.resolve("small.parquet").toString(),
                dir.resolve("captions-out").toString(), DatasetColumns.defaults(), PROMPT, 2, 4));
        assertThat(s).isEqualTo(new CaptionJob.Summary(12, 10, 2, 2, 0));
        assertThat(ExecutorModels.modelLoads() - loadsBefore).as("models loaded by the job's tasks").isEqualTo(1);
        assertThat(ExecutorModels.model(spec).largestDecodeBatch()).as("rows decoding in one step").isGreaterThan(1);

        Map<String, Row> byId = new TreeMap<>();
        for (Row r : spark.read().parquet(dir.resolve("captions-out").resolve(CaptionJob.CAPTIONS).toString()).collectAsList()) {
            byId.put(r.getAs("id"), r);
        }
        IrisConfig cfg = spec.config();
        String hash = ModelHash.of(cfg);
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, SparkTests.REGISTRY)) {
            for (TestRows.Row row : rows.subList(0, 10)) {
                GenerationResult g = model.generate(Optional.of(row.image()), row.id(), PROMPT, cfg.generate(), piece -> {});
                Row r = byId.get(row.id());
                assertThat(r).as("caption of %s", row.id()).isNotNull();
                assertThat((String) r.getAs(CaptionRows.TEXT)).as("text of %s", row.id()).isEqualTo(g.text());
                assertThat((int) r.getAs(CaptionRows.GENERATED_TOKENS)).isEqualTo(g.generatedIds().length).isGreaterThan(1);
                assertThat((int) r.getAs(CaptionRows.PROMPT_TOKENS)).isEqualTo(g.promptIds().length);
                assertThat((String) r.getAs(CaptionRows.STOP_REASON)).isEqualTo(g.stopReason());
                assertThat((String) r.getAs(CaptionRows.CONFIG_HASH)).isEqualTo(hash);
            }
        }
        Map<String, String> rejects = new TreeMap<>();
        for (Row r : spark.read().parquet(dir.resolve("captions-out").resolve(FeatureTable.REJECTS).toString()).collectAsList()) {
            rejects.put(r.getAs("id"), r.getAs("reason"));
        }
        assertThat(rejects.keySet()).containsExactly("bad-garbage", "bad-missing");
        assertThat(rejects.get("bad-garbage")).startsWith("undecodable image: ");
    }

    @Test
    void anotherSeedGivesAnotherConfigHash() {
        assertThat(ModelHash.of(ModelSpec.of(config, SAMPLING).config()))
                .isNotEqualTo(ModelHash.of(ModelSpec.of(config, List.of("generate.temperature=0.9", "generate.top_k=20", "generate.seed=6")).config()));
    }
}
