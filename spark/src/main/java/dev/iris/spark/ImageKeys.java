package dev.iris.spark;

import dev.iris.api.IrisException;
import dev.iris.training.FeatureCache;
import dev.iris.training.FeatureTable;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A dataset row to its image: the id, the image bytes (from {@code image.bytes}, else the file
 * {@code image.path} names, relative to the dataset folder), the feature cache key (SHA-256 of the
 * bytes) and the shard that key falls in; or, when the row has no usable image, the reason.
 * A row without an image has no content hash: its shard comes from its id, so a re-run puts it in
 * the same shard.
 */
final class ImageKeys implements Serializable {
    static final String ID = FeatureTable.ID, KEY = FeatureTable.KEY, SHARD = "shard", IMAGE = "image", REASON = FeatureTable.REASON;
    static final StructType SCHEMA = new StructType()
            .add(ID, DataTypes.StringType, true)
            .add(KEY, DataTypes.StringType, true)
            .add(SHARD, DataTypes.IntegerType, false)
            .add(IMAGE, DataTypes.BinaryType, true)
            .add(REASON, DataTypes.StringType, true);

    private final DatasetColumns columns;
    private final boolean struct;
    private final String baseDir;
    private final int shards;

    /**
     * The keys of a dataset's rows: image paths resolve against {@code input} when it is a folder,
     * else against its parent (a folder on the executors' shared file system).
     */
    static ImageKeys forInput(DatasetColumns columns, StructType schema, String input, int shards) {
        Path in = Path.of(input).toAbsolutePath();
        return new ImageKeys(columns, columns.imageIsStruct(schema), (Files.isDirectory(in) ? in : in.getParent()).toString(), shards);
    }

    /**
     * The input dataset's rows as {@link #SCHEMA} rows (id, key, shard, bytes or the reason there are
     * none), its columns checked first; kept on disk, as every shard's pass reads it: the caller unpersists it.
     */
    static Dataset<Row> keyed(SparkSession spark, DatasetColumns columns, String input, int shards) {
        Dataset<Row> rows = spark.read().parquet(input);
        columns.check(rows.schema(), input, false);
        ImageKeys keys = forInput(columns, rows.schema(), input, shards);
        return rows.select(functions.col(columns.id()), functions.col(columns.image()))
                .map((MapFunction<Row, Row>) keys::apply, Encoders.row(SCHEMA))
                .persist(StorageLevel.DISK_ONLY());
    }

    ImageKeys(DatasetColumns columns, boolean struct, String baseDir, int shards) {
        this.columns = columns;
        this.struct = struct;
        this.baseDir = baseDir;
        this.shards = shards;
    }

    Row apply(Row row) {
        String id = row.getAs(columns.id());
        if (id == null || id.isBlank()) return rejected(id, "the id column '" + columns.id() + "' is empty");
        byte[] bytes;
        String path = null;
        Object image = row.getAs(columns.image());
        if (image == null) {
            bytes = null;
        } else if (struct) {
            Row r = (Row) image;
            bytes = field(r, "bytes");
            path = field(r, "path");
        } else {
            bytes = (byte[]) image;
        }
        if (bytes == null || bytes.length == 0) {
            if (path == null || path.isBlank()) return rejected(id, "no image (neither bytes nor a path)");
            bytes = readFile(path);
            if (bytes == null) return rejected(id, "image file not found or empty: " + path + " (relative to " + baseDir + ")");
        }
        String key = FeatureCache.key(bytes);
        return RowFactory.create(id, key, FeatureTable.shard(key, shards), bytes, null);
    }

    private Row rejected(String id, String reason) {
        return RowFactory.create(id, null, Math.floorMod(id == null ? 0 : id.hashCode(), shards), null, reason);
    }

    @SuppressWarnings("unchecked")
    private static <T> T field(Row r, String name) {
        int i = r.schema().getFieldIndex(name).getOrElse(() -> -1);
        return i < 0 || r.isNullAt(i) ? null : (T) r.get(i);
    }

    private byte[] readFile(String ref) {
        Path file;
        try {
            file = Path.of(baseDir).resolve(ref.strip());
        } catch (InvalidPathException e) {
            return null;
        }
        if (!Files.isRegularFile(file)) return null;
        try {
            byte[] b = Files.readAllBytes(file);
            return b.length == 0 ? null : b;
        } catch (IOException e) {
            throw new IrisException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }
}
