package dev.iris.spark;

import static org.apache.spark.sql.functions.col;

import dev.iris.api.IrisException;
import dev.iris.training.FeatureCache;
import dev.iris.training.FeatureTable;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code features} job: the vision features of every distinct image of a parquet dataset,
 * written in the {@link FeatureTable} layout that {@code train.features} reads. The work is cut
 * into shards by a hash of the image content; each shard's rejects and then its features are
 * written by Spark's output committer, and a shard whose features folder holds
 * {@value FeatureTable#DONE} is not done again, so a killed job re-run with the same output
 * finishes the rest and gives the rows of an uninterrupted run.
 */
public final class FeaturesJob {
    /**
     * @param input   a parquet file or folder of the dataset
     * @param output  the job's output folder ({@code features/} and {@code rejects/} below it)
     * @param shards  units of work and of restart (by image content hash)
     * @param batch   images per run of the vision tower
     */
    public record Options(ModelSpec model, String input, String output, DatasetColumns columns, int shards, int batch) {
        public Options {
            if (shards < 1) throw new IrisException("features job: shards must be >= 1, found " + shards);
            if (batch < 1) throw new IrisException("features job: batch must be >= 1, found " + batch);
        }
    }

    /** What a run did: input rows, distinct images encoded, rejected rows, rows that repeat an image; shards written now and found done. */
    public record Summary(long rows, long images, long rejects, long duplicates, int shardsWritten, int shardsSkipped) {}

    private FeaturesJob() {}

    public static Summary run(SparkSession spark, Options o) {
        String fingerprint = FeatureCache.fingerprint(o.model().config().vision());
        Dataset<Row> keyed = ImageKeys.keyed(spark, o.columns(), o.input(), o.shards());
        ShardedOutput.Progress progress;
        try {
            progress = ShardedOutput.each(spark, "features", o.output(), FeatureTable.FEATURES, o.shards(),
                    shard -> writeShard(keyed.filter(col(ImageKeys.SHARD).equalTo(shard)), o, fingerprint, shard));
        } finally {
            keyed.unpersist();
        }
        long rows = spark.read().parquet(o.input()).count();
        long images = spark.read().parquet(ShardedOutput.table(o.output(), FeatureTable.FEATURES)).count();
        long rejects = spark.read().parquet(ShardedOutput.table(o.output(), FeatureTable.REJECTS)).count();
        return new Summary(rows, images, rejects, rows - images - rejects, progress.written(), progress.skipped());
    }

    /** One shard: its rejects (rows without an image, images that do not decode), then its features, each committed by Spark. */
    private static void writeShard(Dataset<Row> unit, Options o, String fingerprint, int shard) {
        Dataset<Row> encoded = unit.filter(col(ImageKeys.REASON).isNull())
                .select(ImageKeys.ID, ImageKeys.KEY, ImageKeys.IMAGE)
                .dropDuplicates(ImageKeys.KEY)
                .mapPartitions(new EncodeRows(o.model(), fingerprint, o.batch()), Encoders.row(EncodeRows.SCHEMA))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Dataset<Row> noImage = unit.filter(col(ImageKeys.REASON).isNotNull()).select(ImageKeys.ID, ImageKeys.KEY, ImageKeys.REASON);
            Dataset<Row> undecodable = unit.filter(col(ImageKeys.REASON).isNull()).select(ImageKeys.ID, ImageKeys.KEY)
                    .join(encoded.filter(col(FeatureTable.REASON).isNotNull()).select(FeatureTable.KEY, FeatureTable.REASON), FeatureTable.KEY)
                    .select(ImageKeys.ID, ImageKeys.KEY, ImageKeys.REASON);
            noImage.unionByName(undecodable).coalesce(1).write().mode(SaveMode.Overwrite)
                    .parquet(ShardedOutput.folder(o.output(), FeatureTable.REJECTS, shard));
            encoded.filter(col(FeatureTable.REASON).isNull())
                    .select(FeatureTable.KEY, FeatureTable.ENCODER, FeatureTable.TOKENS, FeatureTable.HIDDEN, FeatureTable.VALUES)
                    .write().mode(SaveMode.Overwrite)
                    .parquet(ShardedOutput.folder(o.output(), FeatureTable.FEATURES, shard));
        } finally {
            encoded.unpersist();
        }
    }

    /** {@code spark-submit --class dev.iris.spark.FeaturesJob JAR CONFIG INPUT OUTPUT [shards=16] [batch=8] [id=..] [image=..] [set=key=value]...} */
    public static void main(String[] args) {
        JobArgs a = JobArgs.parse(args, "features", List.of("shards", "batch", "id", "image", "set"));
        Options o = new Options(ModelSpec.of(a.config(), a.all("set")), a.input(), a.output(),
                new DatasetColumns(a.get("id", "id"), a.get("image", "image"), "caption"), a.intValue("shards", 16), a.intValue("batch", 8));
        SparkSession spark = SparkSession.builder().appName("iris features").getOrCreate();
        try {
            Summary s = run(spark, o);
            System.out.printf("features: %d rows, %d distinct images encoded, %d rejected (see %s/%s), %d rows repeat an image; "
                            + "%d shards written, %d already done%n",
                    s.rows(), s.images(), s.rejects(), o.output(), FeatureTable.REJECTS, s.duplicates(), s.shardsWritten(), s.shardsSkipped());
        } finally {
            spark.stop();
        }
    }
}
