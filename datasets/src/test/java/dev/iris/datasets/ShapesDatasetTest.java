package dev.iris.datasets;

import static dev.iris.datasets.DataFixtures.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.testkit.DatasetPass;
import dev.iris.testkit.OpenFiles;
import dev.iris.testkit.PluginBehavior;
import dev.iris.datasets.ShapesCaptions.Colour;
import dev.iris.datasets.ShapesCaptions.Position;
import dev.iris.datasets.ShapesCaptions.Scene;
import dev.iris.datasets.ShapesCaptions.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ShapesDatasetTest extends ConfiguredDatasetContract {
    @Override
    protected Set<PluginBehavior> behaviors() {
        return Set.of(PluginBehavior.READS_FILES);
    }

    @Override
    protected Fixture fixture(Path dir) {
        return new Fixture("type: shapes, path: shapes, train_count: 60, heldout_count: 12, image_size: 32, seed: 3",
                60, Map.of(), List.of(), "train.parquet");
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedOtherImages() throws Exception {
        ShapesGenerator.write(dir.resolve("a"), 100, 20, 32, 7);
        ShapesGenerator.write(dir.resolve("b"), 100, 20, 32, 7);
        ShapesGenerator.write(dir.resolve("c"), 100, 20, 32, 8);
        for (String f : List.of(ShapesGenerator.TRAIN_FILE, ShapesGenerator.HELDOUT_FILE)) {
            assertThat(Files.mismatch(dir.resolve("a").resolve(f), dir.resolve("b").resolve(f))).as(f).isEqualTo(-1L);
            assertThat(Files.mismatch(dir.resolve("a").resolve(f), dir.resolve("c").resolve(f))).as(f).isNotEqualTo(-1L);
        }
        try (Stream<Path> left = Files.list(dir.resolve("a"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no temp files left").containsExactlyInAnyOrder("train.parquet", "heldout.parquet");
        }
    }

    @Test
    void everyCaptionNamesWhatIsDrawnAtTheRequestedSize() {
        Dataset d = DataFixtures.create(dir, "type: shapes, path: drawn, train_count: 240, heldout_count: 48, image_size: 48");
        for (Dataset dd : List.of(d, DataFixtures.create(dir, "type: shapes, path: drawn, split: heldout, train_count: 240,"
                + " heldout_count: 48, image_size: 48"))) {
            DatasetPass pass = DatasetPass.readAll(dd);
            assertThat(pass.examples()).hasSize(dd == d ? 240 : 48);
            for (Example e : pass.examples()) {
                BufferedImage img = DatasetPass.decode(e.firstImage());
                assertThat(img.getWidth()).isEqualTo(48);
                assertThat(img.getHeight()).isEqualTo(48);
                Scene drawn = seen(img);
                assertThat(ShapesCaptions.parse(e.caption())).as(e.id() + " " + e.caption()).contains(drawn);
                assertThat(e.caption()).isEqualTo(drawn.caption());
            }
        }
    }

    @Test
    void itDeclaresItsAccuracyAsATaskMetricThatJudgesOnlyShapesCaptions() {
        Dataset d = DataFixtures.create(dir, "type: shapes, path: metric, train_count: 4, heldout_count: 2, image_size: 32");
        assertThat(d.taskMetrics()).singleElement().satisfies(m -> {
            assertThat(m.key()).isEqualTo("shapes_accuracy");
            assertThat(m.label()).contains("colour, shape and position");
            assertThat(m.score("It is a red circle, top-left.", "A red circle in the top left.")).hasValue(1.0);
            assertThat(m.score("A red circle in the top right.", "A red circle in the top left.")).hasValue(0.0);
            assertThat(m.score("a red circle and a blue square in the top left", "A red circle in the top left.")).hasValue(0.0);
            // a user's own caption in a file read as shapes is not judged (before: IllegalArgumentException)
            assertThat(m.score("A lesion.", "The CT-like image shows a hypodense lesion in the left lobe.")).isEmpty();
        });
    }

    @Test
    void theDefaultTrainSplitHasAll48ScenesAndHeldOutImagesAreNew() throws Exception {
        Path shapes = dir.resolve("defaults");
        Dataset train = DataFixtures.create(dir, "type: shapes, path: " + q(shapes));
        Dataset heldout = DataFixtures.create(dir, "type: shapes, path: " + q(shapes) + ", split: heldout");

        DatasetPass t = DatasetPass.readAll(train);
        DatasetPass h = DatasetPass.readAll(heldout);

        assertThat(t.examples()).hasSize(2000);
        assertThat(h.examples()).hasSize(200);
        assertThat(new HashSet<>(t.captions())).hasSize(48);
        assertThat(new HashSet<>(h.captions())).hasSize(48);
        assertThat(DatasetPass.decode(t.examples().get(0).firstImage()).getWidth()).isEqualTo(64);
        Set<String> trainImages = new HashSet<>();
        t.examples().forEach(e -> trainImages.add(DatasetPass.sha256(e.firstImage())));
        assertThat(h.examples()).noneMatch(e -> trainImages.contains(DatasetPass.sha256(e.firstImage())));
        assertThat(t.ids()).startsWith("train-00000").endsWith("train-01999");
        assertThat(heldout.describe()).contains("heldout", "heldout.parquet", "200 rows");
    }

    @Test
    void filesAreGeneratedOnFirstUseOnly() throws Exception {
        Path train = dir.resolve("shapes").resolve(ShapesGenerator.TRAIN_FILE);
        assertThat(train).exists(); // made by the fixture's create
        FileTime before = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(train, before);

        DataFixtures.create(dir, fixture.config());
        assertThat(Files.getLastModifiedTime(train)).isEqualTo(before);

        // one split missing: both are written again
        Files.delete(dir.resolve("shapes").resolve(ShapesGenerator.HELDOUT_FILE));
        DataFixtures.create(dir, fixture.config());
        assertThat(Files.getLastModifiedTime(train)).isNotEqualTo(before);
        assertThat(dir.resolve("shapes").resolve(ShapesGenerator.HELDOUT_FILE)).exists();
    }

    @Test
    void filesGeneratedWithOtherSettingsAreReportedNotReused() {
        assertThatThrownBy(() -> DataFixtures.create(dir, fixture.config().replace("seed: 3", "seed: 4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.dataset.path: " + dir.resolve("shapes").resolve("train.parquet")
                        + " was generated with train_count=60, heldout_count=12, image_size=32, seed=3 but this config asks for"
                        + " train_count=60, heldout_count=12, image_size=32, seed=4; delete");
    }

    @Test
    void badSettingsAreConfigErrors() {
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: shapes, path: x, split: test"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.split: expected train or heldout but got \"test\" (found: type, path, split)");
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: shapes, path: x, image_size: 8"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.dataset.image_size: expected an integer in [16, 1024] but got 8");
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: shapes, path: x, train_count: 0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.dataset.train_count: expected an integer >= 1 but got 0");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    /** Reads the scene back from the pixels: colour by channel, position by quadrant, shape by how much of its box it fills. */
    static Scene seen(BufferedImage img) {
        int minX = Integer.MAX_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxX = -1;
        int maxY = -1;
        int count = 0;
        int rgb = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y) & 0xFFFFFF;
                if (p != 0xFFFFFF) {
                    assertThat(rgb == 0 || rgb == p).as("one colour only").isTrue();
                    rgb = p;
                    count++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        assertThat(count).as("a shape is drawn").isPositive();
        int r = rgb >> 16 & 0xFF;
        int g = rgb >> 8 & 0xFF;
        int b = rgb & 0xFF;
        Colour colour = r > 150 && g > 150 && b < 100 ? Colour.YELLOW
                : r > 150 && g < 100 && b < 100 ? Colour.RED
                : g > r && g > b ? Colour.GREEN
                : Colour.BLUE;
        int half = img.getWidth() / 2;
        assertThat(maxX < half || minX >= half).as("inside one quadrant").isTrue();
        assertThat(maxY < half || minY >= half).as("inside one quadrant").isTrue();
        boolean top = maxY < half;
        boolean left = maxX < half;
        Position position = top ? (left ? Position.TOP_LEFT : Position.TOP_RIGHT) : (left ? Position.BOTTOM_LEFT : Position.BOTTOM_RIGHT);
        double fill = count / (double) ((maxX - minX + 1) * (maxY - minY + 1));
        Shape shape = fill > 0.95 ? Shape.SQUARE : fill > 0.68 ? Shape.CIRCLE : Shape.TRIANGLE;
        assertThat(fill).as("fill ratio of a " + shape).isBetween(0.4, 1.0);
        if (shape == Shape.TRIANGLE) {
            assertThat(fill).isLessThan(0.62);
        }
        return new Scene(colour, shape, position);
    }
}
