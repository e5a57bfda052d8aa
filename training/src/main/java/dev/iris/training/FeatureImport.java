package dev.iris.training;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Copies the features of a {@link FeatureTable} (a features job's output) into a feature cache
 * folder, so training reads them as cached features and never runs the vision tower. Every shard
 * folder must be committed ({@value FeatureTable#DONE}) and every row must come from this run's
 * encoder: features of another encoder or of an unfinished job are an error, never used.
 */
final class FeatureImport {
    /** What an import did: features written, features already in the cache, shard folders read, shard folders imported before. */
    record Counts(long written, long present, int shards, int importedBefore) {}

    private FeatureImport() {}

    static Counts into(FeatureFiles files, Path output, String fingerprint, long expectedBytes) {
        Path dir = output.resolve(FeatureTable.FEATURES);
        if (!Files.isDirectory(dir)) {
            throw new IrisException("train.features " + output + ": no " + FeatureTable.FEATURES + " folder (the output folder of the features job)");
        }
        List<Path> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.filter(p -> p.getFileName().toString().startsWith(FeatureTable.SHARD_PREFIX)).sorted().toList();
        } catch (IOException e) {
            throw new IrisException("train.features: cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (shards.isEmpty()) throw new IrisException("train.features " + output + ": " + dir + " holds no shard folders");
        long written = 0, present = 0;
        int before = 0;
        for (Path shard : shards) {
            if (!Files.isRegularFile(shard.resolve(FeatureTable.DONE))) {
                throw new IrisException("train.features " + output + ": shard " + shard.getFileName()
                        + " was not completed (no " + FeatureTable.DONE + "); re-run the features job with the same output");
            }
            Path marker = marker(files, shard);
            if (Files.isRegularFile(marker)) {   // this very commit of the shard was copied by an earlier run
                before++;
                continue;
            }
            for (Path file : parquetFiles(shard)) {
                long[] c = importFile(files, file, fingerprint, expectedBytes);
                written += c[0];
                present += c[1];
            }
            try {
                Files.createDirectories(files.dir());
                Files.writeString(marker, shard.toAbsolutePath() + "\n");
            } catch (IOException e) {
                throw new IrisException("train.features: cannot write " + marker + " in the feature cache: " + FeatureFiles.reason(e), e);
            }
        }
        return new Counts(written, present, shards.size(), before);
    }

    /**
     * The cache's note that a shard was copied whole: named for the shard folder and the time its
     * commit marker was written, so a shard written again by another job run is copied again.
     */
    private static Path marker(FeatureFiles files, Path shard) {
        try {
            String id = shard.toAbsolutePath().normalize() + "@" + Files.getLastModifiedTime(shard.resolve(FeatureTable.DONE)).toMillis();
            return files.dir().resolve(".imported-" + FeatureCache.sha256(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16));
        } catch (IOException e) {
            throw new IrisException("train.features: cannot read " + shard.resolve(FeatureTable.DONE) + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> parquetFiles(Path shard) {
        try (Stream<Path> s = Files.list(shard)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        } catch (IOException e) {
            throw new IrisException("train.features: cannot list " + shard + ": " + e.getMessage(), e);
        }
    }

    /** {written, present} for one parquet file. */
    private static long[] importFile(FeatureFiles files, Path file, String fingerprint, long expectedBytes) {
        long written = 0, present = 0;
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFileMetaData().getSchema();
            for (String column : List.of(FeatureTable.KEY, FeatureTable.ENCODER, FeatureTable.VALUES)) {
                if (!schema.containsField(column)) throw new IrisException("train.features: " + file + " has no column " + column);
            }
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
            long row = 0;
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0, n = pages.getRowCount(); i < n; i++, row++) {
                    Group g = records.read();
                    String key = g.getString(FeatureTable.KEY, 0);
                    String encoder = g.getString(FeatureTable.ENCODER, 0);
                    if (!encoder.equals(fingerprint)) {
                        throw new IrisException("train.features: " + file + " row " + row + " (image " + key + ") holds features of encoder "
                                + encoder + ", but this run's vision model is " + fingerprint
                                + "; run the features job with this config's model.vision section");
                    }
                    byte[] values = g.getBinary(FeatureTable.VALUES, 0).getBytes();
                    if (values.length != expectedBytes) {
                        throw new IrisException("train.features: " + file + " row " + row + " (image " + key + ") has " + values.length
                                + " feature bytes, the vision model gives " + expectedBytes);
                    }
                    if (files.has(key, expectedBytes)) {
                        present++;
                    } else {
                        files.write(key, values);
                        written++;
                    }
                }
            }
        } catch (IOException e) {
            throw new IrisException("train.features: cannot read " + file + ": " + e.getMessage(), e);
        }
        return new long[] {written, present};
    }
}
