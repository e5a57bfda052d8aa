package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A features job's output (written here by parquet-mr, not Spark) copied into a feature cache folder, and what is refused. */
class FeatureImportTest {
    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message spark_schema {
              required binary key (STRING); required binary encoder (STRING);
              required int32 tokens; required int32 hidden; optional binary features;
            }""");
    static final String A = "a".repeat(64), B = "b".repeat(64);

    @TempDir
    Path dir;

    record FeatureRow(String key, String encoder, byte[] values) {}

    Path shard(String output, int shard, boolean done, List<FeatureRow> rows) throws Exception {
        Path folder = dir.resolve(output).resolve(FeatureTable.FEATURES).resolve(FeatureTable.shardFolder(shard));
        Files.createDirectories(folder);
        SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(folder.resolve("part-00000.snappy.parquet")))
                .withConf(new PlainParquetConfiguration()).withType(SCHEMA).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (FeatureRow r : rows) {
                w.write(f.newGroup().append("key", r.key()).append("encoder", r.encoder()).append("tokens", 2).append("hidden", 1)
                        .append("features", Binary.fromConstantByteArray(r.values())));
            }
        }
        if (done) Files.write(folder.resolve(FeatureTable.DONE), new byte[0]);
        return folder;
    }

    @Test
    void featuresAreCopiedOnceAndAShardCommittedAgainIsReadAgain() throws Exception {
        Path s0 = shard("out", 0, true, List.of(new FeatureRow(A, "enc-1", new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
        shard("out", 1, true, List.of(new FeatureRow(B, "enc-1", new byte[] {9, 9, 9, 9, 9, 9, 9, 9})));
        FeatureFiles files = new FeatureFiles(dir.resolve("cache"));

        assertThat(FeatureImport.into(files, dir.resolve("out"), "enc-1", 8)).isEqualTo(new FeatureImport.Counts(2, 0, 2, 0));
        assertThat(files.read(A, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(files.read(B, 8)).containsExactly(9, 9, 9, 9, 9, 9, 9, 9);
        assertThat(FeatureImport.into(files, dir.resolve("out"), "enc-1", 8)).isEqualTo(new FeatureImport.Counts(0, 0, 2, 2));

        Files.setLastModifiedTime(s0.resolve(FeatureTable.DONE), FileTime.fromMillis(Files.getLastModifiedTime(s0.resolve(FeatureTable.DONE)).toMillis() + 60_000));
        assertThat(FeatureImport.into(files, dir.resolve("out"), "enc-1", 8)).isEqualTo(new FeatureImport.Counts(0, 1, 2, 1));
    }

    @Test
    void anUnfinishedShardAnotherEncoderOrAnotherSizeIsRefusedNamingIt() throws Exception {
        FeatureFiles files = new FeatureFiles(dir.resolve("cache"));
        assertThatThrownBy(() -> FeatureImport.into(files, dir.resolve("nothing"), "enc-1", 8))
                .isInstanceOf(IrisException.class).hasMessageContaining("no features folder");

        shard("unfinished", 0, false, List.of(new FeatureRow(A, "enc-1", new byte[8])));
        assertThatThrownBy(() -> FeatureImport.into(files, dir.resolve("unfinished"), "enc-1", 8))
                .isInstanceOf(IrisException.class).hasMessageContaining("shard shard=0 was not completed (no _SUCCESS)");

        shard("other", 0, true, List.of(new FeatureRow(A, "enc-2", new byte[8])));
        assertThatThrownBy(() -> FeatureImport.into(files, dir.resolve("other"), "enc-1", 8))
                .isInstanceOf(IrisException.class).hasMessageContaining("row 0 (image " + A + ") holds features of encoder enc-2, but this run's vision model is enc-1");

        shard("size", 0, true, List.of(new FeatureRow(A, "enc-1", new byte[4])));
        assertThatThrownBy(() -> FeatureImport.into(files, dir.resolve("size"), "enc-1", 8))
                .isInstanceOf(IrisException.class).hasMessageContaining("has 4 feature bytes, the vision model gives 8");
        assertThat(files.has(A, 8)).isFalse();
    }
}
