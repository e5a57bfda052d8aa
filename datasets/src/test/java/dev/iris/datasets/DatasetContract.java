package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.api.spi.Dataset.Skips;
import dev.iris.datasets.DataFixtures.Pass;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Dataset} plugin promises, checked on files a subclass writes: a subclass
 * only says how to make its dataset and what a pass over it must give.
 */
abstract class DatasetContract {
    /**
     * A dataset written for the contract.
     *
     * @param config the inside of the {@code train.dataset} section, e.g. {@code type: parquet, path: 'x'}
     * @param examples how many examples a pass gives
     * @param skipsByReason how many rows a pass skips, by reason (empty: none)
     * @param skippedIds the ids of the skipped rows, in file order
     * @param fileName a file name {@link Dataset#describe()} must mention
     */
    protected record Fixture(String config, int examples, Map<String, Long> skipsByReason, List<String> skippedIds,
            String fileName) {}

    /** Writes the dataset's files under {@code dir}. */
    protected abstract Fixture fixture(Path dir) throws Exception;

    @TempDir
    Path dir;

    Fixture fixture;
    Dataset dataset;

    @BeforeEach
    void createDataset() throws Exception {
        fixture = fixture(dir);
        dataset = DataFixtures.create(dir, fixture.config());
    }

    @Test
    void givesTheExpectedNumberOfExamples() {
        assertThat(DataFixtures.readAll(dataset).examples()).hasSize(fixture.examples());
    }

    @Test
    void twoPassesGiveTheSameExamplesInTheSameOrder() {
        Pass first = DataFixtures.readAll(dataset);
        Pass second = DataFixtures.readAll(dataset);
        assertThat(second.fingerprints()).containsExactlyElementsOf(first.fingerprints());
        assertThat(second.skips()).isEqualTo(first.skips());
    }

    @Test
    void twoDatasetsFromOneConfigAgree() {
        Dataset again = DataFixtures.create(dir, fixture.config());
        assertThat(DataFixtures.readAll(again).fingerprints()).containsExactlyElementsOf(DataFixtures.readAll(dataset).fingerprints());
    }

    @Test
    void passesOpenAtTheSameTimeDoNotDisturbEachOther() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        try (Dataset.Examples x = dataset.open(); Dataset.Examples y = dataset.open()) {
            while (x.hasNext() || y.hasNext()) {
                if (x.hasNext()) {
                    a.add(DataFixtures.fingerprint(x.next()));
                }
                if (y.hasNext()) {
                    b.add(DataFixtures.fingerprint(y.next()));
                }
            }
        }
        assertThat(a).hasSize(fixture.examples()).containsExactlyElementsOf(b);
    }

    @Test
    void everyExampleHasAnIdACaptionAndAnImageThatDecodes() {
        Pass pass = DataFixtures.readAll(dataset);
        for (Example e : pass.examples()) {
            assertThat(e.id()).as("id").isNotBlank();
            assertThat(e.caption()).as("caption of %s", e.id()).isNotBlank();
            assertThat(e.image()).as("image of %s", e.id()).isNotEmpty();
            BufferedImage img = DataFixtures.decode(e.image());
            assertThat(img).as("decoded image of %s", e.id()).isNotNull();
            assertThat(img.getWidth()).isPositive();
        }
        assertThat(pass.ids()).as("ids are unique").doesNotHaveDuplicates();
    }

    @Test
    void skipsAreCountedByReasonWithTheFirstIds() {
        Skips skips = DataFixtures.readAll(dataset).skips();
        long expected = fixture.skipsByReason().values().stream().mapToLong(Long::longValue).sum();
        assertThat(skips.count()).isEqualTo(expected);
        assertThat(skips.byReason()).isEqualTo(fixture.skipsByReason());
        assertThat(skips.byReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(skips.count());
        List<String> ids = fixture.skippedIds();
        assertThat(skips.firstIds()).containsExactlyElementsOf(ids.subList(0, Math.min(ids.size(), SkipCounter.KEPT_IDS)));
        if (expected == 0) {
            assertThat(skips).isEqualTo(Skips.NONE);
        }
    }

    @Test
    void everySkippedRowIsHandedOverOnceWithItsReason() {
        List<Dataset.Skipped> drained = new java.util.ArrayList<>();
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
        java.util.Map<String, Long> byReason = new java.util.LinkedHashMap<>();
        for (Dataset.Skipped d : drained) byReason.merge(d.reason(), 1L, Long::sum);
        assertThat(byReason).isEqualTo(skips.byReason());
    }

    @Test
    void skipsGrowDuringAPassAndStartAgainWithTheNext() {
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
        assumeTrue(DataFixtures.openFilesUnder(dir) != null, "needs /proc/self/fd (Linux)");
        assertThat(DataFixtures.openFilesUnder(dir)).isEmpty();
        Dataset.Examples it = dataset.open();
        assertThat(it.hasNext()).isTrue();
        it.next();
        assertThat(DataFixtures.openFilesUnder(dir)).as("a pass under way holds its file").isNotEmpty();
        it.close();
        assertThat(DataFixtures.openFilesUnder(dir)).isEmpty();
        assertThat(it.hasNext()).as("a closed pass gives nothing more").isFalse();
        it.close(); // closing twice is harmless
    }

    @Test
    void anExhaustedPassReleasesItsFilesAndStaysExhausted() {
        assumeTrue(DataFixtures.openFilesUnder(dir) != null, "needs /proc/self/fd (Linux)");
        Dataset.Examples it = dataset.open();
        while (it.hasNext()) {
            it.next();
        }
        assertThat(DataFixtures.openFilesUnder(dir)).as("released before close()").isEmpty();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        assertThat(it.skips().count()).isEqualTo(fixture.skipsByReason().values().stream().mapToLong(Long::longValue).sum());
        it.close();
    }

    @Test
    void describeNamesTheFiles() {
        assertThat(dataset.describe()).contains(fixture.fileName());
    }

    @Test
    void isRegisteredWithADescription() {
        String type = DataFixtures.config(dir, fixture.config()).type();
        assertThat(DataFixtures.provider(type).description()).isNotBlank();
    }
}
