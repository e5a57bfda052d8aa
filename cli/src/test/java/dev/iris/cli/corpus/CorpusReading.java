package dev.iris.cli.corpus;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.safetensors.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;

/** Reads corpus files as a user's config would (the {@code parquet} dataset plugin), and their footers. */
public final class CorpusReading {
    /** One pass: the examples read and the rows skipped. */
    public record Pass(List<Dataset.Example> examples, Dataset.Skips skips) {}

    /** What a file's footer says. */
    public record Footer(long rows, List<Long> rowGroupRows, Set<String> codecs) {}

    private CorpusReading() {}

    /** The {@code train.dataset} section {@code { type: parquet, path: <path> }}. */
    public static ComponentConfig parquetSection(Path path) {
        String yaml = "train:\n  dataset: { type: parquet, path: \"" + path.toAbsolutePath() + "\" }\n  output: unused\n";
        return new ConfigLoader().parse(yaml, "test", path.toAbsolutePath().getParent(), List.of()).train().dataset();
    }

    public static Pass read(PluginRegistry registry, Path fileOrFolder) {
        ComponentConfig section = parquetSection(fileOrFolder);
        DatasetProvider p = registry.forConfig(ProviderKind.DATASET, section);
        Dataset dataset = p.create(section, Safetensors::open);
        List<Dataset.Example> out = new ArrayList<>();
        try (Dataset.Examples ex = dataset.open()) {
            while (ex.hasNext()) out.add(ex.next());
            return new Pass(out, ex.skips());
        }
    }

    public static Footer footer(Path file) {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file), options)) {
            List<Long> groups = new ArrayList<>();
            Set<String> codecs = new TreeSet<>();
            for (BlockMetaData b : r.getFooter().getBlocks()) {
                groups.add(b.getRowCount());
                for (ColumnChunkMetaData c : b.getColumns()) codecs.add(c.getCodec().name());
            }
            return new Footer(r.getRecordCount(), groups, codecs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
