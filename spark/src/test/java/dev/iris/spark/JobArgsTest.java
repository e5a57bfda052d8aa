package dev.iris.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The jobs' command lines and dataset columns are checked before Spark does any work. */
class JobArgsTest {
    @Test
    void optionsRepeatAndTheLastValueWins() {
        JobArgs a = JobArgs.parse(new String[] {"c.yaml", "in", "out", "shards=64", "set=train.seed=3", "set=runtime.threads=2", "shards=32"},
                "features", List.of("shards", "set"));
        assertThat(a.config()).isEqualTo(Path.of("c.yaml"));
        assertThat(a.intValue("shards", 16)).isEqualTo(32);
        assertThat(a.intValue("batch", 8)).isEqualTo(8);
        assertThat(a.all("set")).containsExactly("train.seed=3", "runtime.threads=2");
    }

    @Test
    void unknownOptionsMissingArgumentsAndBadNumbersAreNamed() {
        assertThatThrownBy(() -> JobArgs.parse(new String[] {"c.yaml", "in"}, "features", List.of("shards")))
                .isInstanceOf(IrisException.class).hasMessageContaining("usage: CONFIG INPUT OUTPUT");
        assertThatThrownBy(() -> JobArgs.parse(new String[] {"c.yaml", "in", "out", "shard=3"}, "features", List.of("shards", "batch")))
                .isInstanceOf(IrisException.class).hasMessageContaining("unknown option 'shard=3'").hasMessageContaining("shards, batch");
        JobArgs a = JobArgs.parse(new String[] {"c.yaml", "in", "out", "shards=many"}, "features", List.of("shards"));
        assertThatThrownBy(() -> a.intValue("shards", 16)).isInstanceOf(IrisException.class).hasMessageContaining("shards must be a whole number, found 'many'");
    }

    @Test
    void datasetColumnsOfAnotherTypeAreNamedWithTheInput() {
        StructType ok = new StructType().add("id", DataTypes.StringType)
                .add("image", new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType));
        DatasetColumns.defaults().check(ok, "data/x", false);
        assertThat(DatasetColumns.defaults().imageIsStruct(ok)).isTrue();
        DatasetColumns.defaults().check(new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType), "data/x", false);

        assertThatThrownBy(() -> DatasetColumns.defaults().check(new StructType().add("id", DataTypes.LongType).add("image", DataTypes.BinaryType),
                "data/x", false)).hasMessage("data/x: column 'id' is bigint, expected a string");
        assertThatThrownBy(() -> DatasetColumns.defaults().check(new StructType().add("id", DataTypes.StringType).add("image", DataTypes.StringType),
                "data/x", false)).hasMessageContaining("data/x: image column 'image' is string");
        assertThatThrownBy(() -> DatasetColumns.defaults().check(new StructType().add("id", DataTypes.StringType)
                .add("image", new StructType().add("width", DataTypes.IntegerType)), "data/x", false))
                .hasMessageContaining("is a struct without a binary 'bytes' or string 'path' field");
        assertThatThrownBy(() -> new DatasetColumns("uid", "image", "caption").check(ok, "data/x", false))
                .hasMessage("data/x: no column 'uid' (option id=, expected a string); columns: id, image");
    }
}
