package dev.iris.datasets;

import dev.iris.datasets.ParquetRows.Row;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes the seed corpus of {@link ParquetDatasetFuzzTest}: small files in the MedTrinity layout
 * ({@code id}, {@code caption}, {@code image} = struct of {@code bytes} and {@code path}), bad
 * rows, several row groups, truncated copies and wrong schemas. Run from the module folder:
 * <pre>
 * ../mvnw -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test -pl plugins -am -f ../pom.xml
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) dev.iris.datasets.ParquetFuzzSeeds \
 *   src/test/resources/dev/iris/plugins/data/ParquetDatasetFuzzTestInputs/everyRowReadsOrTheErrorNamesTheFile
 * </pre>
 */
final class ParquetFuzzSeeds {
    private ParquetFuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path out = Files.createDirectories(Path.of(args[0]));
        byte[] a = DataFixtures.png(2, Color.RED, 0);
        byte[] b = DataFixtures.png(2, Color.BLUE, 1);
        List<Row> good = List.of(Row.of("r1", "a red square", a), Row.of("r2", "a blue square", b));
        Path valid = ParquetRows.write(out.resolve("valid"), ParquetRows.HF, good, CompressionCodecName.UNCOMPRESSED, 0);
        ParquetRows.write(out.resolve("valid-snappy"), ParquetRows.HF, good, CompressionCodecName.SNAPPY, 0);
        ParquetRows.write(out.resolve("bad-rows"), ParquetRows.HF, List.of(
                Row.of("r1", "fine", a),
                Row.nullImage("r2", "no image"),
                Row.withPath("r3", "a path to nothing", "missing.png"),
                Row.of("r4", "", b),
                Row.of("r5", null, b)), CompressionCodecName.UNCOMPRESSED, 0);
        ParquetRows.write(out.resolve("row-groups"), ParquetRows.HF, List.of(
                Row.of("r1", "one", a), Row.of("r2", "two", b), Row.of("r3", "three", a)), CompressionCodecName.UNCOMPRESSED, 1);
        MessageType required = MessageTypeParser.parseMessageType("""
                message m { required int64 id; required binary caption (STRING); required binary image; }""");
        ParquetRows.write(out.resolve("required-plain-bytes"), required, List.of(Row.of("1", "plain bytes", a)),
                CompressionCodecName.UNCOMPRESSED, 0);
        MessageType noImage = MessageTypeParser.parseMessageType("""
                message m { optional binary id (STRING); optional binary caption (STRING); optional binary picture; }""");
        ParquetRows.write(out.resolve("wrong-schema-no-image"), noImage, good, CompressionCodecName.UNCOMPRESSED, 0);
        MessageType intImage = MessageTypeParser.parseMessageType("""
                message m { optional binary caption (STRING); optional group image { optional int32 width; } }""");
        ParquetRows.write(out.resolve("wrong-schema-int-image"), intImage, List.of(Row.nullImage("1", "c")),
                CompressionCodecName.UNCOMPRESSED, 0);
        byte[] whole = Files.readAllBytes(valid);
        Files.write(out.resolve("truncated-half"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(out.resolve("truncated-no-magic"), Arrays.copyOf(whole, whole.length - 4));
        byte[] noFooter = whole.clone();
        noFooter[noFooter.length - 6] ^= 0x7f; // the footer length now points outside the file
        Files.write(out.resolve("footer-length-wrong"), noFooter);
        Files.writeString(out.resolve("not-parquet"), "id,caption\n1,a cat\n");
    }
}
