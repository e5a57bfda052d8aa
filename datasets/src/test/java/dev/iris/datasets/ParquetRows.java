package dev.iris.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;

/** Writes small parquet files in the layouts the tests need. */
final class ParquetRows {
    private ParquetRows() {}

    /** What pyarrow writes for a Hugging Face image dataset: everything nullable. */
    static final MessageType HF = MessageTypeParser.parseMessageType("""
            message schema {
              optional group image { optional binary bytes; optional binary path (STRING); }
              optional binary id (STRING);
              optional binary caption (STRING);
            }""");

    /** One row: a null value is left out; {@code noStruct} leaves the whole image struct out. */
    record Row(String id, String caption, byte[] bytes, String path, boolean noStruct) {
        static Row of(String id, String caption, byte[] bytes) {
            return new Row(id, caption, bytes, null, false);
        }

        static Row withPath(String id, String caption, String path) {
            return new Row(id, caption, null, path, false);
        }

        static Row nullImage(String id, String caption) {
            return new Row(id, caption, null, null, true);
        }
    }

    static Path write(Path file, List<Row> rows) {
        return write(file, HF, rows, CompressionCodecName.SNAPPY, 0);
    }

    /** {@code rowsPerGroup} 0 keeps the writer's default row group size. */
    static Path write(Path file, MessageType schema, List<Row> rows, CompressionCodecName codec, int rowsPerGroup) {
        SimpleGroupFactory factory = new SimpleGroupFactory(schema);
        ExampleParquetWriter.Builder b = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(codec);
        if (rowsPerGroup > 0) {
            b = b.withRowGroupRowCountLimit(rowsPerGroup).withPageRowCountLimit(rowsPerGroup);
        }
        try (ParquetWriter<Group> w = b.build()) {
            int n = 0;
            for (Row r : rows) {
                w.write(group(factory, schema, r, n++));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Fills the columns the schema has; extra columns get values derived from the row number. */
    private static Group group(SimpleGroupFactory factory, MessageType schema, Row r, int n) {
        Group g = factory.newGroup();
        for (Type t : schema.getFields()) {
            String name = t.getName();
            switch (name) {
                case "id", "key" -> {
                    if (r.id() != null) {
                        if (t.isPrimitive() && t.asPrimitiveType().getPrimitiveTypeName().name().equals("INT64")) {
                            g.append(name, Long.parseLong(r.id()));
                        } else {
                            g.append(name, r.id());
                        }
                    }
                }
                case "caption", "text" -> {
                    if (r.caption() != null) {
                        g.append(name, r.caption());
                    }
                }
                case "image", "img", "picture" -> {
                    if (r.noStruct()) {
                        break;
                    }
                    if (t.isPrimitive()) {
                        if (r.bytes() != null) {
                            g.append(name, Binary.fromConstantByteArray(r.bytes()));
                        }
                        break;
                    }
                    Group img = g.addGroup(name);
                    GroupType gt = t.asGroupType();
                    if (r.bytes() != null && gt.containsField("bytes")) {
                        img.append("bytes", Binary.fromConstantByteArray(r.bytes()));
                    }
                    if (r.path() != null && gt.containsField("path")) {
                        img.append("path", r.path());
                    }
                }
                case "width" -> g.append(name, 100 + n);
                default -> g.append(name, "extra-" + n);
            }
        }
        return g;
    }
}
