package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.api.spi.Dataset.Skips;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Shared helpers of the dataset tests: configs, providers, small images, whole passes. */
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

    /** A whole pass: the examples and the skips at its end. */
    record Pass(List<Example> examples, Skips skips) {
        List<String> ids() {
            return examples.stream().map(Example::id).toList();
        }

        List<String> captions() {
            return examples.stream().map(Example::caption).toList();
        }

        /** id, caption and image digest of each example: records with arrays do not compare by content. */
        List<String> fingerprints() {
            return examples.stream().map(DataFixtures::fingerprint).toList();
        }
    }

    static Pass readAll(Dataset dataset) {
        try (Dataset.Examples it = dataset.open()) {
            List<Example> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return new Pass(out, it.skips());
        }
    }

    static String fingerprint(Example e) {
        return e.id() + " | " + e.caption() + " | " + sha256(e.image());
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    static BufferedImage decode(byte[] bytes) {
        try {
            return ImageIO.read(new java.io.ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path writePng(Path file, int seed) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, png(8, Color.GRAY, seed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The files under {@code dir} this process holds open, read from /proc/self/fd (Linux), or
     * null where that is not available.
     */
    static List<Path> openFilesUnder(Path dir) {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return null;
        }
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> open = new ArrayList<>();
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root)) {
                        open.add(target);
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // the descriptor of the listing itself is gone by now
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }
}
