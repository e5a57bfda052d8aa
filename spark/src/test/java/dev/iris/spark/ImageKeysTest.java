package dev.iris.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.training.FeatureCache;
import dev.iris.training.FeatureTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dataset row to its image bytes, key and shard, or the reason it has no image. */
class ImageKeysTest {
    static final StructType IMAGE = new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType);
    static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType).add("image", IMAGE);

    @TempDir
    Path dir;

    /** A field of an output row by name (the rows carry no schema of their own: Spark's encoder gives it). */
    private static Object field(Row r, String name) {
        return r.get(ImageKeys.SCHEMA.fieldIndex(name));
    }

    private Row row(String id, byte[] bytes, String path) {
        return new GenericRowWithSchema(new Object[] {id, new GenericRowWithSchema(new Object[] {bytes, path}, IMAGE)}, SCHEMA);
    }

    @Test
    void bytesOrAFileRelativeToTheDatasetFolderGiveTheKeyAndItsShard() throws Exception {
        ImageKeys keys = ImageKeys.forInput(DatasetColumns.defaults(), SCHEMA, dir.toString(), 16);
        byte[] image = {1, 2, 3};
        Row fromBytes = keys.apply(row("r1", image, "ignored.png"));
        String key = FeatureCache.key(image);
        assertThat((String) field(fromBytes, ImageKeys.KEY)).isEqualTo(key);
        assertThat((int) field(fromBytes, ImageKeys.SHARD)).isEqualTo(FeatureTable.shard(key, 16));
        assertThat((Object) field(fromBytes, ImageKeys.REASON)).isNull();

        Files.createDirectories(dir.resolve("img"));
        Files.write(dir.resolve("img/a.png"), image);
        Row fromPath = keys.apply(row("r2", null, "img/a.png"));
        assertThat((String) field(fromPath, ImageKeys.KEY)).isEqualTo(key);
        assertThat((byte[]) field(fromPath, ImageKeys.IMAGE)).containsExactly(image);
    }

    @Test
    void rowsWithoutAUsableImageOrIdCarryTheReason() {
        ImageKeys keys = ImageKeys.forInput(DatasetColumns.defaults(), SCHEMA, dir.toString(), 16);
        assertThat((String) field(keys.apply(row("r3", null, null)), ImageKeys.REASON)).isEqualTo("no image (neither bytes nor a path)");
        assertThat((String) field(keys.apply(row("r4", new byte[0], "missing.png")), ImageKeys.REASON))
                .isEqualTo("image file not found or empty: missing.png (relative to " + dir.toAbsolutePath() + ")");
        assertThat((String) field(keys.apply(row(" ", new byte[] {1}, null)), ImageKeys.REASON)).isEqualTo("the id column 'id' is empty");
        Row noImage = keys.apply(new GenericRowWithSchema(new Object[] {"r5", null}, SCHEMA));
        assertThat((String) field(noImage, ImageKeys.REASON)).isEqualTo("no image (neither bytes nor a path)");
        assertThat((int) field(noImage, ImageKeys.SHARD)).as("the same shard on every run").isEqualTo(Math.floorMod("r5".hashCode(), 16));
    }

    @Test
    void aPlainBinaryImageColumnIsReadToo() {
        StructType plain = new StructType().add("uid", DataTypes.StringType).add("img", DataTypes.BinaryType);
        ImageKeys keys = ImageKeys.forInput(new DatasetColumns("uid", "img", "caption"), plain, dir.toString(), 4);
        Row r = keys.apply(new GenericRowWithSchema(new Object[] {"x", new byte[] {7}}, plain));
        assertThat((String) field(r, ImageKeys.KEY)).isEqualTo(FeatureCache.key(new byte[] {7}));
        assertThat((String) field(r, ImageKeys.ID)).isEqualTo("x");
    }
}
