package dev.iris.datasets;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.PluginContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code type: parquet}: image–caption rows in Parquet files laid out as Hugging Face writes
 * them (MedTrinity-25M's demo, for one).
 *
 * <p>Fields: {@code path} (required): one {@code .parquet} file, or a folder whose
 * {@code .parquet} files are read in name order; {@code caption_column} (default
 * {@code caption}), {@code image_column} (default {@code image}: a struct of {@code bytes} and
 * {@code path}, or plain bytes), {@code id_column} (default {@code id}; when the default is
 * absent the id is {@code <file>#<row>}), {@code conversations_column} (default
 * {@code conversations}: list of struct {@code from}, {@code value}; a file with it holds a
 * conversation per row, with an optional image).
 */
public final class ParquetDatasetProvider implements DatasetProvider {
    @Override
    public String type() {
        return "parquet";
    }

    /** A config section that reads {@code fileOrFolder} (made absolute) with the default columns. */
    public static Map<String, Object> section(Path fileOrFolder) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", new ParquetDatasetProvider().type());
        s.put("path", fileOrFolder.toAbsolutePath().normalize().toString());
        return s;
    }

    @Override
    public String description() {
        return "image-caption rows or conversations in Parquet files (Hugging Face layout: id, caption or conversations, image {bytes, path})";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.path("path", "a .parquet file, or a folder whose .parquet files are read in name order (required)"),
                ConfigField.of("id_column", "column of row ids (default id; without it: <file>#<row>)"),
                ConfigField.of("caption_column", "column of captions (default caption)"),
                ConfigField.of("image_column", "column of images: struct {bytes, path} or bytes (default image)"),
                ConfigField.of("conversations_column", "column of turns, list<struct<from, value>>; when the file has it, rows are "
                        + "conversations and the caption column is not read (default conversations)"));
    }

    @Override
    public Dataset create(ComponentConfig config, PluginContext context) {
        Path path = config.path("path");
        List<Path> files = parquetFiles(config, "path", path);
        ParquetDataset.Columns columns = new ParquetDataset.Columns(
                config.optString("id_column").orElse("id"), config.has("id_column"),
                config.optString("caption_column").orElse("caption"),
                config.optString("image_column").orElse("image"),
                config.optString("conversations_column").orElse("conversations"));
        return ParquetDataset.open(files, columns, "parquet " + path);
    }

    /** The file itself, or the folder's {@code *.parquet} files sorted by name. */
    static List<Path> parquetFiles(ComponentConfig config, String field, Path path) {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw config.error(field, "no such file or folder: " + path);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(path)) {
            files = s.filter(Files::isRegularFile)
                    .filter(f -> {
                        String n = f.getFileName().toString();
                        return n.toLowerCase(Locale.ROOT).endsWith(".parquet") && !n.startsWith(".");
                    })
                    .sorted(Comparator.comparing(f -> f.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new IrisException("cannot list the folder " + path + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw config.error(field, "no .parquet files in the folder " + path);
        }
        return files;
    }
}
