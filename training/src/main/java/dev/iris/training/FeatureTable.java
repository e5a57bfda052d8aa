package dev.iris.training;

import java.util.HexFormat;

/**
 * The layout of the vision features that a distributed job (the Spark {@code features} job)
 * writes and {@code train.features} reads: under the job's output folder, {@value #FEATURES}
 * holds one parquet folder per shard ({@code shard=K}, each committed on its own and marked by
 * {@value #DONE}) with one row per distinct image: {@value #KEY} (SHA-256 of the image bytes, the
 * feature cache's key), {@value #ENCODER} (the encoder's {@link FeatureCache#fingerprint}),
 * {@value #TOKENS}, {@value #HIDDEN} and {@value #VALUES} (the [tokens, hidden] features as
 * little-endian float32 bytes, exactly a feature cache file). {@value #REJECTS} holds the rows
 * that gave no features, with {@value #ID} and {@value #REASON}. The shard of an image is a hash
 * of its content, so a re-run puts every image in the same shard.
 */
public final class FeatureTable {
    public static final String FEATURES = "features";
    public static final String REJECTS = "rejects";
    /** The marker file of a folder whose write was committed (Hadoop's output committer writes it last). */
    public static final String DONE = "_SUCCESS";
    public static final String SHARD_PREFIX = "shard=";
    public static final String KEY = "key";
    public static final String ENCODER = "encoder";
    public static final String TOKENS = "tokens";
    public static final String HIDDEN = "hidden";
    public static final String VALUES = "features";
    public static final String ID = "id";
    public static final String REASON = "reason";

    private FeatureTable() {}

    /** The shard of an image key (a SHA-256 in hex) among {@code shards}: its first 32 bits, unsigned, modulo the count. */
    public static int shard(String key, int shards) {
        long prefix = Integer.toUnsignedLong(HexFormat.fromHexDigits(key, 0, 8));
        return (int) (prefix % shards);
    }

    /** The folder name of a shard. */
    public static String shardFolder(int shard) {
        return SHARD_PREFIX + shard;
    }
}
