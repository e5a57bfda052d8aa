package dev.iris.spark;

import dev.iris.api.IrisException;
import dev.iris.training.FeatureTable;
import java.io.IOException;
import java.util.function.IntConsumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's output written shard by shard: each shard is one Spark write into its own folder
 * ({@code shard=K}), committed by Spark's output committer, which writes {@value FeatureTable#DONE}
 * last. A shard whose marker exists is left as it is, so a killed job re-run with the same output
 * does only the shards it had not finished. Paths go through Hadoop's file systems, as Spark's
 * writes do: a local folder, {@code hdfs://}, {@code s3a://}.
 */
final class ShardedOutput {
    private static final Logger LOG = LoggerFactory.getLogger(ShardedOutput.class);

    /** Shards written by this run and shards found done. */
    record Progress(int written, int skipped) {}

    private ShardedOutput() {}

    /** The folder of one shard of {@code table} ({@code features}, {@code captions}, {@code rejects}) under {@code output}. */
    static String folder(String output, String table, int shard) {
        return table(output, table) + "/" + FeatureTable.shardFolder(shard);
    }

    /** The folder of a table under {@code output}. */
    static String table(String output, String table) {
        return output.replaceAll("/+$", "") + "/" + table;
    }

    /**
     * Runs {@code write} for each shard whose {@code finalTable} folder is not committed; {@code write}
     * must write that folder last (what it writes before, e.g. rejects, is overwritten on a re-run).
     */
    static Progress each(SparkSession spark, String job, String output, String finalTable, int shards, IntConsumer write) {
        int written = 0, skipped = 0;
        for (int shard = 0; shard < shards; shard++) {
            if (committed(spark, folder(output, finalTable, shard))) {
                skipped++;
                continue;
            }
            write.accept(shard);
            written++;
            LOG.info("{} job: shard {} of {} written", job, shard + 1, shards);
        }
        return new Progress(written, skipped);
    }

    private static boolean committed(SparkSession spark, String folder) {
        Path done = new Path(folder, FeatureTable.DONE);
        try {
            FileSystem fs = done.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.isFile(done);
        } catch (IOException e) {
            throw new IrisException("cannot look for " + done + " (is the shard committed?): " + e.getMessage(), e);
        }
    }
}
