package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.api.spi.Dataset.Skips;
import dev.iris.api.spi.DatasetProvider;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Dataset} plugin promises, checked on files a subclass writes: a subclass
 * says how to make its dataset, what a pass over it must give and which optional behaviours
 * ({@link PluginBehavior#SKIPS_BAD_ROWS}, {@link PluginBehavior#READS_FILES}) it has.
 */
public abstract class DatasetContract {
    /**
     * A dataset written for the contract.
     *
     * @param config how the subclass's {@link #createDataset} configures it, e.g. the inside of a
     *               {@code train.dataset} section ({@code type: parquet, path: 'x'})
     * @param examples how many examples a pass gives
     * @param skipsByReason how many rows a pass skips, by reason (empty: none)
     * @param skippedIds the ids of the skipped rows, in file order
     * @param fileName a file name {@link Dataset#describe()} must mention
     */
    public record Fixture(String config, int examples, Map<String, Long> skipsByReason, List<String> skippedIds,
            String fileName) {}

    /** Writes the dataset's files under {@code dir}. */
    protected abstract Fixture fixture(Path dir) throws Exception;

    /** A new dataset for the fixture written under {@code dir}, as the plugin's provider creates it. */
    protected abstract Dataset createDataset(Path dir, Fixture fixture);

    /** The {@code type} the plugin's provider registers. */
    protected abstract String type();

    protected abstract Set<PluginBehavior> behaviors();

    @TempDir
    protected Path dir;

    protected Fixture fixture;
    protected Dataset dataset;

    @BeforeEach
    void createTheDataset() throws Exception {
        fixture = fixture(dir);
        dataset = createDataset(dir, fixture);
    }

    private void requires(PluginBehavior b) {
        assumeTrue(behaviors().contains(b), "the plugin does not declare " + b);
    }

    private long expectedSkips() {
        return fixture.skipsByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void givesTheExpectedNumberOfExamples() {
        assertThat(DatasetPass.readAll(dataset).examples()).hasSize(fixture.examples());
    }

    @Test
    void twoPassesGiveTheSameExamplesInTheSameOrder() {
        DatasetPass first = DatasetPass.readAll(dataset);
        DatasetPass second = DatasetPass.readAll(dataset);
        assertThat(second.fingerprints()).containsExactlyElementsOf(first.fingerprints());
        assertThat(second.skips()).isEqualTo(first.skips());
    }

    @Test
    void twoDatasetsFromOneConfigAgree() {
        Dataset again = createDataset(dir, fixture);
        assertThat(DatasetPass.readAll(again).fingerprints()).containsExactlyElementsOf(DatasetPass.readAll(dataset).fingerprints());
    }

    @Test
    void passesOpenAtTheSameTimeDoNotDisturbEachOther() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        try (Dataset.Examples x = dataset.open(); Dataset.Examples y = dataset.open()) {
            while (x.hasNext() || y.hasNext()) {
                if (x.hasNext()) {
                    a.add(DatasetPass.fingerprint(x.next()));
                }
                if (y.hasNext()) {
                    b.add(DatasetPass.fingerprint(y.next()));
                }
            }
        }
        assertThat(a).hasSize(fixture.examples()).containsExactlyElementsOf(b);
    }

    @Test
    void everyExampleHasAnIdAnswersAndImagesThatDecode() {
        DatasetPass pass = DatasetPass.readAll(dataset);
        for (Example e : pass.examples()) {
            assertThat(e.id()).as("id").isNotBlank();
            // the Example type itself checks the turns' order and the image markers
            for (Dataset.Turn t : e.turns()) {
                if (t.role() == Dataset.Role.ASSISTANT) assertThat(t.text()).as("answer of %s", e.id()).isNotBlank();
            }
            if (e.isCaption()) assertThat(e.images()).as("images of caption %s", e.id()).hasSize(1);
            for (byte[] image : e.images()) {
                assertThat(image).as("image of %s", e.id()).isNotEmpty();
                BufferedImage img = DatasetPass.decode(image);
                assertThat(img).as("decoded image of %s", e.id()).isNotNull();
                assertThat(img.getWidth()).isPositive();
            }
        }
        assertThat(pass.ids()).as("ids are unique").doesNotHaveDuplicates();
    }

    @Test
    void aDatasetThatSkipsNothingReportsNoSkips() {
        if (behaviors().contains(PluginBehavior.SKIPS_BAD_ROWS)) {
            assertThat(fixture.skippedIds()).as("a fixture of a dataset that skips rows has rows to skip").isNotEmpty();
        } else {
            assertThat(expectedSkips()).as("skips in the fixture of a dataset that declares none").isZero();
            assertThat(DatasetPass.readAll(dataset).skips()).isEqualTo(Skips.NONE);
        }
    }

    @Test
    void skipsAreCountedByReasonWithTheFirstIds() {
        requires(PluginBehavior.SKIPS_BAD_ROWS);
        Skips skips = DatasetPass.readAll(dataset).skips();
        assertThat(skips.count()).isEqualTo(expectedSkips());
        assertThat(skips.byReason()).isEqualTo(fixture.skipsByReason());
        assertThat(skips.byReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(skips.count());
        List<String> ids = fixture.skippedIds();
        assertThat(skips.firstIds()).as("the first skipped ids").isNotEmpty().hasSizeLessThanOrEqualTo(ids.size())
                .containsExactlyElementsOf(ids.subList(0, skips.firstIds().size()));
    }

    @Test
    void everySkippedRowIsHandedOverOnceWithItsReason() {
        requires(PluginBehavior.SKIPS_BAD_ROWS);
        List<Dataset.Skipped> drained = new ArrayList<>();
        Skips skips;
        try (Dataset.Examples it = dataset.open()) {
            while (it.hasNext()) {
                drained.addAll(it.drainSkipped());
                it.next();
            }
            drained.addAll(it.drainSkipped());
            assertThat(it.drainSkipped()).as("nothing is handed over twice").isEmpty();
            skips = it.skips();
        }
        assertThat(drained).extracting(Dataset.Skipped::id).containsExactlyElementsOf(fixture.skippedIds());
        Map<String, Long> byReason = new LinkedHashMap<>();
        // counted by the reason's head: the details after ": " (which turn, which file) are in the list only
        for (Dataset.Skipped d : drained) {
            int head = d.reason().indexOf(": ");
            byReason.merge(head < 0 ? d.reason() : d.reason().substring(0, head), 1L, Long::sum);
        }
        assertThat(byReason).isEqualTo(skips.byReason());
    }

    @Test
    void skipsGrowDuringAPassAndStartAgainWithTheNext() {
        requires(PluginBehavior.SKIPS_BAD_ROWS);
        try (Dataset.Examples it = dataset.open()) {
            assertThat(it.skips().count()).isZero();
            long last = 0;
            while (it.hasNext()) {
                it.next();
                assertThat(it.skips().count()).isGreaterThanOrEqualTo(last);
                last = it.skips().count();
            }
        }
        try (Dataset.Examples fresh = dataset.open()) {
            assertThat(fresh.skips().count()).isZero();
        }
    }

    @Test
    void closeReleasesTheFiles() {
        requires(PluginBehavior.READS_FILES);
        assumeTrue(OpenFiles.under(dir) != null, "needs /proc/self/fd (Linux)");
        assertThat(OpenFiles.under(dir)).isEmpty();
        Dataset.Examples it = dataset.open();
        assertThat(it.hasNext()).isTrue();
        it.next();
        assertThat(OpenFiles.under(dir)).as("a pass under way holds its file").isNotEmpty();
        it.close();
        assertThat(OpenFiles.under(dir)).isEmpty();
        assertThat(it.hasNext()).as("a closed pass gives nothing more").isFalse();
        it.close(); // closing twice is harmless
    }

    @Test
    void anExhaustedPassReleasesItsFilesAndStaysExhausted() {
        requires(PluginBehavior.READS_FILES);
        assumeTrue(OpenFiles.under(dir) != null, "needs /proc/self/fd (Linux)");
        Dataset.Examples it = dataset.open();
        while (it.hasNext()) {
            it.next();
        }
        assertThat(OpenFiles.under(dir)).as("released before close()").isEmpty();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        assertThat(it.skips().count()).isEqualTo(expectedSkips());
        it.close();
    }

    @Test
    void describeNamesTheFiles() {
        assertThat(dataset.describe()).contains(fixture.fileName());
    }

    @Test
    void isRegisteredOnceWithADescription() {
        List<DatasetProvider> found = new ArrayList<>();
        for (DatasetProvider p : ServiceLoader.load(DatasetProvider.class)) {
            if (p.type().equals(type())) found.add(p);
        }
        assertThat(found).as("providers of type " + type() + " in META-INF/services").hasSize(1);
        assertThat(found.get(0).description()).isNotBlank();
    }
}
