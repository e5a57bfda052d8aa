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
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;

/**
 * {@code type: shapes}: the synthetic shapes dataset ({@link ShapesGenerator}), generated on
 * first use and then read as parquet.
 *
 * <p>Fields: {@code path} (default {@code data/shapes}, relative to the working directory when
 * not set in the config), {@code split} ({@code train} or {@code heldout}, default
 * {@code train}), {@code train_count} (default 2000), {@code heldout_count} (default 200),
 * {@code image_size} (default 64), {@code seed} (default 0).
 */
public final class ShapesDatasetProvider implements DatasetProvider {
    /** One generation at a time in this process; the rename keeps other processes safe. */
    private static final Object GENERATING = new Object();

    @Override
    public String type() {
        return "shapes";
    }

    /**
     * A config section for the {@code split} ({@code train} or {@code heldout}) of the shapes in
     * {@code folder} (made absolute), generated there as {@link ShapesGenerator#write} does when missing.
     */
    public static Map<String, Object> section(Path folder, String split, int trainCount, int heldoutCount, int imageSize, int seed) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", new ShapesDatasetProvider().type());
        s.put("path", folder.toAbsolutePath().normalize().toString());
        s.put("split", split);
        s.put("train_count", trainCount);
        s.put("heldout_count", heldoutCount);
        s.put("image_size", imageSize);
        s.put("seed", seed);
        return s;
    }

    @Override
    public String description() {
        return "synthetic coloured shapes with captions (generated on first use, read as parquet)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.path("path", "folder of the generated parquet files (default data/shapes)"),
                ConfigField.of("split", "train (default) or heldout"),
                ConfigField.of("train_count", "images in the train split (default 2000)"),
                ConfigField.of("heldout_count", "images in the held-out split (default 200)"),
                ConfigField.of("image_size", "image side in pixels (default 64)"),
                ConfigField.of("seed", "generator seed (default 0)"));
    }

    @Override
    public Dataset create(ComponentConfig config, PluginContext context) {
        Path dir = config.optPath("path").orElse(Path.of("data", "shapes").toAbsolutePath());
        String split = config.optString("split").orElse("train").strip().toLowerCase(Locale.ROOT);
        if (!split.equals("train") && !split.equals("heldout")) {
            throw config.error("split", "expected train or heldout but got \"" + config.string("split") + "\"");
        }
        int trainCount = atLeast(config, "train_count", 2000, 1);
        int heldoutCount = atLeast(config, "heldout_count", 200, 1);
        int imageSize = config.integer("image_size", 64);
        if (imageSize < ShapesGenerator.MIN_IMAGE_SIZE || imageSize > ShapesGenerator.MAX_IMAGE_SIZE) {
            throw config.error("image_size", "expected an integer in [" + ShapesGenerator.MIN_IMAGE_SIZE + ", "
                    + ShapesGenerator.MAX_IMAGE_SIZE + "] but got " + imageSize);
        }
        int seed = config.integer("seed", 0);

        Path train = dir.resolve(ShapesGenerator.TRAIN_FILE);
        Path heldout = dir.resolve(ShapesGenerator.HELDOUT_FILE);
        String want = ShapesGenerator.parameters(trainCount, heldoutCount, imageSize, seed);
        synchronized (GENERATING) {
            if (!Files.isRegularFile(train) || !Files.isRegularFile(heldout)) {
                ShapesGenerator.write(dir, trainCount, heldoutCount, imageSize, seed);
            } else {
                for (Path f : List.of(train, heldout)) {
                    String had = parametersOf(f);
                    // files without the record were not written by Iris: the user's own, read as they are
                    if (had != null && !had.equals(want)) {
                        throw config.error("path", f + " was generated with " + had + " but this config asks for "
                                + want + "; delete " + dir + " to regenerate it, or choose another path");
                    }
                }
            }
        }
        Path file = split.equals("train") ? train : heldout;
        return new WithAccuracy(ParquetDataset.open(List.of(file), ParquetDataset.Columns.DEFAULT, "shapes " + split + " split " + dir));
    }

    /** The parquet split, declaring the shapes accuracy as its task metric. */
    private record WithAccuracy(Dataset rows) implements Dataset {
        private static final List<TaskMetric> METRICS = List.of(new ShapesAccuracy());

        @Override
        public Examples open() {
            return rows.open();
        }

        @Override
        public String describe() {
            return rows.describe();
        }

        @Override
        public List<TaskMetric> taskMetrics() {
            return METRICS;
        }
    }

    private static int atLeast(ComponentConfig config, String field, int defaultValue, int min) {
        int v = config.integer(field, defaultValue);
        if (v < min) {
            throw config.error(field, "expected an integer >= " + min + " but got " + v);
        }
        return v;
    }

    /** The generator's parameters recorded in the file, or null when there are none. */
    private static String parametersOf(Path file) {
        try (var reader = ParquetDataset.openReader(file)) {
            return reader.getFileMetaData().getKeyValueMetaData().get(ShapesGenerator.METADATA_KEY);
        } catch (IOException e) {
            throw new IrisException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
