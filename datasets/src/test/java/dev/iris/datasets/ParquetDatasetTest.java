package dev.iris.datasets;

import static dev.iris.datasets.DataFixtures.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.testkit.DatasetPass;
import dev.iris.testkit.OpenFiles;
import dev.iris.testkit.PluginBehavior;
import dev.iris.datasets.ParquetRows.Row;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ParquetDatasetTest extends ConfiguredDatasetContract {
    @Override
    protected Set<PluginBehavior> behaviors() {
        return Set.of(PluginBehavior.SKIPS_BAD_ROWS, PluginBehavior.READS_FILES);
    }

    @Override
    protected Fixture fixture(Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        ParquetRows.write(data.resolve("b.parquet"), List.of(
                Row.of("b1", "a grey square", png(4)),
                Row.of("b2", "", png(5)),
                Row.withPath("b3", "gone", "nowhere.png"),
                Row.of("b4", "another", png(6))));
        ParquetRows.write(data.resolve("a.parquet"), List.of(
                Row.of("a1", "one", png(1)),
                Row.nullImage("a2", "no image here"),
                Row.of("a3", "three", png(3))));
        // a struct holding only a path, to a file next to the parquet file
        DataFixtures.writePng(data.resolve("imgs/a4.png"), 7);
        ParquetRows.write(data.resolve("c.parquet"), List.of(Row.withPath("c1", "from a file", "imgs/a4.png")));
        return new Fixture("type: parquet, path: data", 5,
                Map.of(SkipCounter.MISSING_IMAGE, 1L, SkipCounter.EMPTY_CAPTION, 1L, SkipCounter.IMAGE_NOT_FOUND, 1L),
                List.of("a2", "b2", "b3"), "b.parquet");
    }

    private static byte[] png(int seed) {
        return DataFixtures.png(8, Color.ORANGE, seed);
    }

    private Dataset parquet(Path path) {
        return DataFixtures.create(dir, "type: parquet, path: " + q(path));
    }

    @Test
    void badRowsAreSkippedAndCountedWithTheirIds() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("bad"));
        byte[] r3 = Files.readAllBytes(DataFixtures.writePng(sub.resolve("imgs/r3.png"), 3));
        Path file = ParquetRows.write(sub.resolve("bad.parquet"), List.of(
                Row.of("r1", "a good row", png(1)),
                Row.nullImage("r2", "null image struct"),
                Row.withPath("r3", "no bytes, but a path to a file", "imgs/r3.png"),
                Row.withPath("r4", "no bytes, path to a missing file", "imgs/none.png"),
                Row.of("r5", "", png(5)),
                Row.of("r6", "  \n ", png(6)),
                Row.of("r7", null, png(7)),
                new Row("r8", "struct with neither bytes nor path", null, null, false),
                new Row("r9", "empty bytes, no path", new byte[0], null, false),
                new Row("r10", "empty bytes, a path", new byte[0], "imgs/r3.png", false)));

        DatasetPass pass = DatasetPass.readAll(parquet(file));

        assertThat(pass.ids()).containsExactly("r1", "r3", "r10");
        assertThat(pass.examples().get(1).firstImage()).isEqualTo(r3); // read from the file, not replaced
        assertThat(pass.skips().count()).isEqualTo(7);
        assertThat(pass.skips().firstIds()).containsExactly("r2", "r4", "r5", "r6", "r7");
        assertThat(pass.skips().byReason()).containsExactly(
                Map.entry(SkipCounter.MISSING_IMAGE, 3L),
                Map.entry(SkipCounter.IMAGE_NOT_FOUND, 1L),
                Map.entry(SkipCounter.EMPTY_CAPTION, 3L));
    }

    @Test
    void readsTheParquetFilesOfAFolderInNameOrder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("shards"));
        for (String shard : List.of("train-00002", "train-00000", "train-00001")) {
            ParquetRows.write(folder.resolve(shard + ".parquet"), List.of(
                    Row.of(shard + "/0", "x", png(0)), Row.of(shard + "/1", "y", png(1))));
        }
        Files.writeString(folder.resolve("README.md"), "not data");
        Files.createDirectories(folder.resolve("nested.parquet")); // a folder is not a file to read

        Dataset d = parquet(folder);

        assertThat(DatasetPass.readAll(d).ids()).containsExactly(
                "train-00000/0", "train-00000/1", "train-00001/0", "train-00001/1", "train-00002/0", "train-00002/1");
        assertThat(d.describe()).contains(folder.toString(), "3 files (train-00000.parquet, train-00001.parquet, train-00002.parquet)",
                "6 rows");
    }

    @Test
    void streamsEveryRowOfAFileWithManyRowGroups() throws Exception {
        List<Row> rows = IntStream.range(0, 50).mapToObj(i -> Row.of("row" + i, "caption " + i, png(i))).toList();
        Path file = ParquetRows.write(dir.resolve("groups.parquet"), ParquetRows.HF, rows, CompressionCodecName.SNAPPY, 4);
        try (ParquetFileReader r = ParquetDataset.openReader(file)) {
            assertThat(r.getRowGroups()).hasSize(13); // 12 groups of 4 and one of 2
        }

        DatasetPass pass = DatasetPass.readAll(parquet(file));

        assertThat(pass.ids()).containsExactlyElementsOf(rows.stream().map(Row::id).toList());
        assertThat(pass.examples().get(49).firstImage()).isEqualTo(png(49));
        assertThat(pass.captions().get(17)).isEqualTo("caption 17");
    }

    @Test
    void aFileThatIsNotParquetIsAClearError() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.parquet"), "id,caption\n1,a cat\n".repeat(20));
        assertThatThrownBy(() -> parquet(text))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith(text + ": not a Parquet file");
        Path tiny = Files.write(dir.resolve("tiny.parquet"), new byte[] {'P', 'A', 'R'});
        assertThatThrownBy(() -> parquet(tiny))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(tiny.toString());
    }

    @Test
    void aTruncatedFileIsNamedByItsPathNotByAnObjectName() throws Exception {
        Path whole = ParquetRows.write(dir.resolve("whole.parquet"), List.of(Row.of("1", "c", png(1)), Row.of("2", "d", png(2))));
        byte[] bytes = Files.readAllBytes(whole);
        for (int cut : new int[] {bytes.length / 2, bytes.length - 4, bytes.length - 9}) {
            Path f = Files.write(dir.resolve("cut-" + cut + ".parquet"), java.util.Arrays.copyOf(bytes, cut));
            assertThatThrownBy(() -> parquet(f)).as("cut at %d", cut)
                    .isInstanceOf(IrisException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageNotContaining("LocalInputFile");
        }
    }

    @Test
    void aDamagedPageNamesTheFileAndTheRowGroup() throws Exception {
        List<Row> rows = IntStream.range(0, 6).mapToObj(i -> Row.of("r" + i, "caption " + i, png(i))).toList();
        Path f = ParquetRows.write(dir.resolve("damaged.parquet"), ParquetRows.HF, rows, CompressionCodecName.SNAPPY, 3);
        long secondGroup;
        try (ParquetFileReader r = ParquetDataset.openReader(f)) {
            secondGroup = r.getRowGroups().get(1).getStartingPos();
        }
        byte[] bytes = Files.readAllBytes(f);
        for (int i = 0; i < 24; i++) bytes[(int) secondGroup + i] = (byte) 0xff;   // the first page header of group 1
        Files.write(f, bytes);

        try (Dataset.Examples it = parquet(f).open()) {
            for (int i = 0; i < 3; i++) assertThat(it.next().id()).isEqualTo("r" + i);   // group 0 is intact
            assertThatThrownBy(it::hasNext).isInstanceOf(IrisException.class)
                    .hasMessageStartingWith("cannot read " + f + " in row group 1 at row 3: ")
                    .hasMessageNotContaining("LocalInputFile");
        }
    }

    /** Found by ParquetDatasetFuzzTest: a chunk in Hadoop's LZ4 codec made Hadoop throw NoClassDefFoundError mid-pass. */
    @Test
    void aCodecThisBuildCannotDecompressIsNamedBeforeReading() throws Exception {
        Path f = dir.resolve("lz4.parquet");
        try (var in = getClass().getResourceAsStream("ParquetDatasetFuzzTestInputs/everyRowReadsOrTheErrorNamesTheFile/found-lz4-hadoop-codec")) {
            Files.copy(in, f);
        }
        assertThatThrownBy(() -> parquet(f)).isInstanceOf(IrisException.class)
                .hasMessageStartingWith(f + ": column '")
                .hasMessageContaining("is compressed with LZ4, which Iris cannot decompress (it reads UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW)");
    }

    @Test
    void aFileWithoutAnImageColumnSaysWhatItFound() {
        MessageType noImage = MessageTypeParser.parseMessageType("""
                message m { optional binary id (STRING); optional binary caption (STRING); optional binary picture; }""");
        Path file = ParquetRows.write(dir.resolve("noimage.parquet"), noImage, List.of(Row.of("1", "c", png(1))),
                CompressionCodecName.SNAPPY, 0);
        assertThatThrownBy(() -> parquet(file))
                .isInstanceOf(IrisException.class)
                .hasMessage(file + ": no 'image' column for the images (columns: id, caption, picture)");
    }

    @Test
    void aFileWithoutACaptionColumnOrWithAWrongImageTypeSaysSo() {
        MessageType noCaption = MessageTypeParser.parseMessageType("""
                message m { optional binary id (STRING); optional binary image; }""");
        Path a = ParquetRows.write(dir.resolve("a.parquet"), noCaption, List.of(Row.of("1", "c", png(1))),
                CompressionCodecName.SNAPPY, 0);
        assertThatThrownBy(() -> parquet(a)).hasMessage(a + ": no 'caption' column for the captions (or a 'conversations' column of turns) (columns: id, image)");

        MessageType intImage = MessageTypeParser.parseMessageType("""
                message m { optional binary caption (STRING); optional int32 width; optional group image { optional int32 width; } }""");
        Path b = ParquetRows.write(dir.resolve("b.parquet"), intImage, List.of(Row.nullImage("1", "c")),
                CompressionCodecName.SNAPPY, 0);
        assertThatThrownBy(() -> parquet(b)).hasMessageStartingWith(b + ": column 'image' should be a struct of binary 'bytes' and string 'path'");
    }

    /** pyarrow writes nullable columns; other writers mark them required, order them differently, add columns. */
    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"})
    void readsRequiredLayoutsWithOtherColumnsAndCodecs(CompressionCodecName codec) {
        MessageType required = MessageTypeParser.parseMessageType("""
                message spark_schema {
                  required binary caption (STRING);
                  required int64 id;
                  required binary source (STRING);
                  required group image { required binary bytes; required binary path (STRING); }
                  required int32 width;
                }""");
        List<Row> rows = List.of(new Row("7", "seven", png(7), "7.png", false), new Row("8", "eight", png(8), "8.png", false));
        Path file = ParquetRows.write(dir.resolve("required-" + codec + ".parquet"), required, rows, codec, 0);

        DatasetPass pass = DatasetPass.readAll(parquet(file));

        assertThat(pass.ids()).containsExactly("7", "8"); // an int64 id reads as text
        assertThat(pass.captions()).containsExactly("seven", "eight");
        assertThat(pass.examples().get(1).firstImage()).isEqualTo(png(8)); // bytes win over the path
        assertThat(pass.skips().count()).isZero();
    }

    @Test
    void readsPlainImageBytesAndColumnsRenamedInTheConfig() {
        MessageType renamed = MessageTypeParser.parseMessageType("""
                message m { optional binary key (STRING); optional binary text (STRING); optional binary img; }""");
        Path file = ParquetRows.write(dir.resolve("renamed.parquet"), renamed,
                List.of(Row.of("k1", "first", png(1)), Row.of("k2", "second", png(2))), CompressionCodecName.SNAPPY, 0);

        Dataset d = DataFixtures.create(dir, "type: parquet, path: renamed.parquet, id_column: key, caption_column: text,"
                + " image_column: img");

        DatasetPass pass = DatasetPass.readAll(d);
        assertThat(pass.ids()).containsExactly("k1", "k2");
        assertThat(pass.captions()).containsExactly("first", "second");
        assertThat(pass.examples().get(0).firstImage()).isEqualTo(png(1));

        // a named id column must exist; the default one may be absent
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: parquet, path: renamed.parquet, id_column: uid,"
                + " caption_column: text, image_column: img"))
                .hasMessage(file + ": no 'uid' column for the ids (columns: key, text, img)");
    }

    @Test
    void withoutAnIdColumnTheIdIsFileAndRow() {
        MessageType noId = MessageTypeParser.parseMessageType("""
                message m { optional binary caption (STRING); optional group image { optional binary bytes; optional binary path (STRING); } }""");
        Path file = ParquetRows.write(dir.resolve("noid.parquet"), noId,
                List.of(Row.of(null, "zero", png(0)), Row.of(null, "", png(1)), Row.of(null, "two", png(2))),
                CompressionCodecName.SNAPPY, 0);

        DatasetPass pass = DatasetPass.readAll(parquet(file));

        assertThat(pass.ids()).containsExactly("noid.parquet#0", "noid.parquet#2"); // skipped rows keep their number
        assertThat(pass.skips().firstIds()).containsExactly("noid.parquet#1");
    }

    @Test
    void aMissingPathOrAnEmptyFolderIsAConfigError() throws Exception {
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: parquet, path: nope"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.path: no such file or folder: " + dir.resolve("nope") + " (found: type, path)");
        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: parquet, path: empty"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.dataset.path: no .parquet files in the folder " + dir.resolve("empty"));
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: parquet"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.path: required field is missing (found: type)");
    }

    @Test
    void describeShortensALongListOfFiles() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("many"));
        for (int i = 0; i < 8; i++) {
            ParquetRows.write(folder.resolve("part-" + i + ".parquet"), List.of(Row.of("p" + i, "c", png(i))));
        }
        assertThat(parquet(folder).describe())
                .endsWith(": 8 files (part-0.parquet, part-1.parquet, part-2.parquet, ... 5 more), 8 rows");
    }

    @Test
    void examplesAreStreamedNotCollectedFirst() throws Exception {
        // the first example arrives before a later file is even opened: a broken second file only fails when reached
        Path folder = Files.createDirectories(dir.resolve("stream"));
        ParquetRows.write(folder.resolve("a.parquet"), List.of(Row.of("a", "ok", png(1))));
        Path b = ParquetRows.write(folder.resolve("b.parquet"), List.of(Row.of("b", "ok", png(2))));
        Dataset d = parquet(folder);
        Files.writeString(b, "overwritten after the footer check");

        List<Example> got = new ArrayList<>();
        try (Dataset.Examples it = d.open()) {
            got.add(it.next());
            assertThatThrownBy(it::hasNext).isInstanceOf(IrisException.class).hasMessageContaining(b.toString());
        }
        assertThat(got).extracting(Example::id).containsExactly("a");
    }
}
