package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossChartTest {
    @TempDir
    Path dir;

    static Map<String, List<double[]>> curves() {
        List<double[]> train = new ArrayList<>();
        List<double[]> heldOut = new ArrayList<>();
        for (int step = 0; step <= 200; step++) {
            train.add(new double[] {step, 2.0 * Math.exp(-step / 60.0) + 0.5 + 0.05 * Math.sin(step)});
            if (step % 25 == 0) heldOut.add(new double[] {step, 2.1 * Math.exp(-step / 70.0) + 0.6});
        }
        Map<String, List<double[]>> m = new LinkedHashMap<>();
        m.put("train loss", train);
        m.put("held-out loss", heldOut);
        return m;
    }

    static BufferedImage read(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("decodes as an image").isNotNull();
        return img;
    }

    static Set<Integer> colours(BufferedImage img) {
        Set<Integer> c = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2)
            for (int x = 0; x < img.getWidth(); x += 2) c.add(img.getRGB(x, y));
        return c;
    }

    @Test
    void writesADecodablePngOfTheChosenSize() throws IOException {
        Path png = dir.resolve("runs/a/loss.png");  // folders are created
        LossChart.write(png, "stage 1", curves());
        BufferedImage img = read(png);
        assertThat(img.getWidth()).isEqualTo(LossChart.DEFAULT_WIDTH);
        assertThat(img.getHeight()).isEqualTo(LossChart.DEFAULT_HEIGHT);
        assertThat(colours(img)).as("not a blank image").hasSizeGreaterThan(5);

        Path small = dir.resolve("small.png");
        LossChart.write(small, "small", curves(), 320, 200);
        assertThat(read(small).getWidth()).isEqualTo(320);
        assertThat(read(small).getHeight()).isEqualTo(200);
    }

    @Test
    void theCurvesAreDrawn() throws IOException {
        Path empty = dir.resolve("empty.png");
        Path full = dir.resolve("full.png");
        LossChart.write(empty, "t", Map.of());
        LossChart.write(full, "t", curves());
        BufferedImage a = read(empty);
        BufferedImage b = read(full);
        long differing = 0;
        for (int y = 0; y < a.getHeight(); y++)
            for (int x = 0; x < a.getWidth(); x++) if (a.getRGB(x, y) != b.getRGB(x, y)) differing++;
        assertThat(differing).as("pixels changed by the series").isGreaterThan(1000);
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path png = dir.resolve("loss.png");
        Files.writeString(png, "old");
        LossChart.write(png, "t", curves());
        read(png);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("loss.png");
        }
        if (png.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // the umask's mode, not a temp file's owner-only 0600
            assertThat(Files.getPosixFilePermissions(png)).contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ);
            Path fresh = dir.resolve("fresh.png");
            Files.writeString(fresh, "x");
            Path chart = dir.resolve("chart.png");
            LossChart.write(chart, "t", curves());
            assertThat(Files.getPosixFilePermissions(chart)).isEqualTo(Files.getPosixFilePermissions(fresh));
        }
    }

    @Test
    void toleratesDivergedAndDegenerateSeries() throws IOException {
        Map<String, List<double[]>> m = new LinkedHashMap<>();
        m.put("diverged", List.of(new double[] {3, 1.5}, new double[] {1, 2.0}, new double[] {4, Double.NaN},
                new double[] {5, Double.POSITIVE_INFINITY}, new double[] {Double.NaN, 1}, new double[] {6, 1.2}));
        m.put("one point", List.of(new double[] {2, 1.8}));
        m.put("no points", List.of());
        m.put("all NaN", List.of(new double[] {1, Double.NaN}));
        Path png = dir.resolve("odd.png");
        LossChart.write(png, null, m);
        assertThat(colours(read(png))).hasSizeGreaterThan(5);
        assertThat(LossChart.chart("t", m, 100, 100).getSeriesCollection())
                .extracting(s -> s.getName()).containsExactly("diverged", "one point");
    }

    @Test
    void rejectsMalformedPointsWithoutWritingAnything() {
        Path png = dir.resolve("bad.png");
        Map<String, List<double[]>> bad = Map.of("x", List.of(new double[] {1, 2, 3}));
        assertThatThrownBy(() -> LossChart.write(png, "t", bad)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LossChart.write(png, "t", curves(), 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(png).doesNotExist();
    }
}
