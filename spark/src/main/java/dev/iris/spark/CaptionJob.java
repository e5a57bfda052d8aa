package dev.iris.spark;

import static org.apache.spark.sql.functions.col;

import dev.iris.api.IrisException;
import dev.iris.training.FeatureTable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code caption} job: a generated text for every row of a parquet dataset with a trained
 * model (any config), written to {@value #CAPTIONS} ({@code id}, {@code text}, {@code prompt_tokens},
 * {@code generated_tokens}, {@code stop_reason}, {@code config_hash}); rows without a usable image go
 * to {@value FeatureTable#REJECTS} with their reason. Shards and restarts as the features job.
 */
public final class CaptionJob {
    public static final String CAPTIONS = "captions";

    /**
     * @param prompt      the question asked about every image (as {@code iris generate --prompt})
     * @param concurrency rows of a task generating at once (their decode steps run as one batch)
     */
    public record Options(ModelSpec model, String input, String output, DatasetColumns columns, String prompt, int shards, int concurrency) {
        public Options {
            if (prompt == null || prompt.isBlank()) throw new IrisException("caption job: prompt=TEXT is required (the question asked about every image)");
            if (shards < 1) throw new IrisException("caption job: shards must be >= 1, found " + shards);
            if (concurrency < 1) throw new IrisException("caption job: concurrency must be >= 1, found " + concurrency);
        }
    }

    /** Input rows, captions, rejected rows; shards written now and found done. */
    public record Summary(long rows, long captions, long rejects, int shardsWritten, int shardsSkipped) {}

    private CaptionJob() {}

    public static Summary run(SparkSession spark, Options o) {
        String hash = ModelHash.of(o.model().config());
        Dataset<Row> keyed = ImageKeys.keyed(spark, o.columns(), o.input(), o.shards());
        ShardedOutput.Progress progress;
        try {
            progress = ShardedOutput.each(spark, "caption", o.output(), CAPTIONS, o.shards(), shard -> {
                Dataset<Row> generated = keyed.filter(col(ImageKeys.SHARD).equalTo(shard))
                        .mapPartitions(new CaptionRows(o.model(), o.prompt(), hash, o.concurrency()), Encoders.row(CaptionRows.SCHEMA))
                        .persist(StorageLevel.MEMORY_AND_DISK());
                try {
                    generated.filter(col(ImageKeys.REASON).isNotNull()).select(ImageKeys.ID, ImageKeys.REASON).coalesce(1)
                            .write().mode(SaveMode.Overwrite).parquet(ShardedOutput.folder(o.output(), FeatureTable.REJECTS, shard));
                    generated.filter(col(ImageKeys.REASON).isNull()).drop(ImageKeys.REASON)
                            .write().mode(SaveMode.Overwrite).parquet(ShardedOutput.folder(o.output(), CAPTIONS, shard));
                } finally {
                    generated.unpersist();
                }
            });
        } finally {
            keyed.unpersist();
        }
        long rows = spark.read().parquet(o.input()).count();
        long captions = spark.read().parquet(ShardedOutput.table(o.output(), CAPTIONS)).count();
        long rejects = spark.read().parquet(ShardedOutput.table(o.output(), FeatureTable.REJECTS)).count();
        return new Summary(rows, captions, rejects, progress.written(), progress.skipped());
    }

    /** {@code spark-submit --class dev.iris.spark.CaptionJob JAR CONFIG INPUT OUTPUT prompt=TEXT [shards=16] [concurrency=4] [id=..] [image=..] [set=key=value]...} */
    public static void main(String[] args) {
        JobArgs a = JobArgs.parse(args, "caption", List.of("prompt", "shards", "concurrency", "id", "image", "set"));
        Options o = new Options(ModelSpec.of(a.config(), a.all("set")), a.input(), a.output(),
                new DatasetColumns(a.get("id", "id"), a.get("image", "image"), "caption"), a.get("prompt", null),
                a.intValue("shards", 16), a.intValue("concurrency", 4));
        SparkSession spark = SparkSession.builder().appName("iris caption").getOrCreate();
        try {
            Summary s = run(spark, o);
            System.out.printf("caption: %d rows, %d captions, %d rejected (see %s/%s); %d shards written, %d already done%n",
                    s.rows(), s.captions(), s.rejects(), o.output(), FeatureTable.REJECTS, s.shardsWritten(), s.shardsSkipped());
        } finally {
            spark.stop();
        }
    }
}
