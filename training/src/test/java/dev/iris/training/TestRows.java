package dev.iris.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

/** Parquet files of image–caption rows in the Hugging Face layout, with whatever bytes a test puts in the image column. */
public final class TestRows {
    private TestRows() {}

    /** One row; a null image or caption is left out. */
    public record Row(String id, String caption, byte[] image) {}

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message schema {
              optional group image { optional binary bytes; optional binary path (STRING); }
              optional binary id (STRING);
              optional binary caption (STRING);
            }""");

    /** The start of a WebP file (RIFF container, VP8 chunk), which the decoder does not read. */
    public static byte[] webp() {
        byte[] b = new byte[64];
        byte[] head = "RIFF\u0038\u0000\u0000\u0000WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(head, 0, b, 0, head.length);
        for (int i = head.length; i < b.length; i++) b[i] = (byte) (i * 7);
        return b;
    }

    /** Bytes that are no image at all. */
    public static byte[] garbage(int seed) {
        byte[] b = new byte[40];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (seed * 31 + i * 13);
        return b;
    }

    public static Path write(Path file, List<Row> rows) {
        SimpleGroupFactory factory = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(SCHEMA).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (Row r : rows) {
                Group g = factory.newGroup();
                if (r.image() != null) g.addGroup("image").append("bytes", Binary.fromConstantByteArray(r.image()));
                g.append("id", r.id());
                if (r.caption() != null) g.append("caption", r.caption());
                w.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
