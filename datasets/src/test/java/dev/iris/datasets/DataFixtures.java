package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.plugins.config.ConfigLoader;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import javax.imageio.ImageIO;

/** Shared helpers of the dataset tests: configs, providers, small images (whole passes: the testkit's DatasetPass). */
final class DataFixtures {
    private DataFixtures() {}

    /** Datasets never ask the host for anything. */
    static final PluginContext NO_CONTEXT = file -> {
        throw new AssertionError("a dataset asked for weights: " + file);
    };

    /** A path as a YAML scalar (quoted, so temp-dir names cannot confuse the parser). */
    static String q(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }

    /**
     * The {@code train.dataset} section of a config file in {@code dir} holding
     * {@code dataset: {<flow>}}, loaded by the real config loader (relative paths resolve
     * against {@code dir}).
     */
    static ComponentConfig config(Path dir, String flow) {
        String yaml = "train:\n  dataset: {" + flow + "}\n  output: out\n";
        return new ConfigLoader(dir).parse(yaml, dir.resolve("iris.yaml").toString(), dir, List.of()).train().dataset();
    }

    /** The provider registered for {@code type} in META-INF/services. */
    static DatasetProvider provider(String type) {
        List<DatasetProvider> found = new ArrayList<>();
        for (DatasetProvider p : ServiceLoader.load(DatasetProvider.class)) {
            if (p.type().equals(type)) {
                found.add(p);
            }
        }
        assertThat(found).as("providers of type " + type).hasSize(1);
        return found.get(0);
    }

    /** Creates the dataset a config section selects, through the registered provider. */
    static Dataset create(Path dir, String flow) {
        ComponentConfig c = config(dir, flow);
        return provider(c.type()).create(c, NO_CONTEXT);
    }

    /** A small PNG of one colour; {@code seed} varies one pixel so images differ. */
    static byte[] png(int size, Color color, int seed) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, color.getRGB());
            }
        }
        img.setRGB(seed % size, (seed / size) % size, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path writePng(Path file, int seed) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, png(8, Color.GRAY, seed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
