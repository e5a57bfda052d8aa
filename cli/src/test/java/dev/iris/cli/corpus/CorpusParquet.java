package dev.iris.cli.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes corpus rows in the MedTrinity (Hugging Face) layout with parquet-hadoop, the writer Iris
 * itself uses: optional {@code id} and {@code caption} strings and an optional {@code image}
 * struct of optional {@code bytes} and {@code path}, so every cell can be null.
 */
final class CorpusParquet {
    static final MessageType SCHEMA = Types.buildMessage()
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("caption")
            .optionalGroup()
                .optional(PrimitiveTypeName.BINARY).named("bytes")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("path")
                .named("image")
            .named("medtrinity");

    private CorpusParquet() {}

    /** Writes {@code rows} to {@code file} in row groups of at most {@code rowGroupRows} rows. */
    static void write(Path file, List<CorpusRow> rows, CompressionCodecName codec, int rowGroupRows, long seed) {
        SimpleGroupFactory factory = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(SCHEMA)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(codec)
                .withRowGroupRowCountLimit(rowGroupRows)
                .withExtraMetaData(Map.of("iris.test-corpus", "seed=" + seed))
                .build()) {
            for (CorpusRow r : rows) {
                Group g = factory.newGroup();
                if (r.id() != null) g.append("id", r.id());
                if (r.caption() != null) g.append("caption", r.caption());
                if (r.image() != null) {
                    Group img = g.addGroup("image");
                    if (r.image().bytes() != null) img.append("bytes", Binary.fromConstantByteArray(r.image().bytes()));
                    if (r.image().path() != null) img.append("path", r.image().path());
                }
                writer.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
