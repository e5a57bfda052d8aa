package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.spi.Dataset;
import dev.iris.testkit.DatasetContract;
import dev.iris.testkit.DatasetPass;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dataset contract for this module's plugins: each dataset is created from a
 * {@code train.dataset} section through the real config loader and the registered provider.
 */
abstract class ConfiguredDatasetContract extends DatasetContract {
    @Override
    protected Dataset createDataset(Path dir, Fixture fixture) {
        return DataFixtures.create(dir, fixture.config());
    }

    @Override
    protected String type() {
        return DataFixtures.config(dir, fixture.config()).type();
    }

    @Test
    void keepsTheFirstFiveSkippedIds() {
        assumeTrue(!fixture.skippedIds().isEmpty(), "nothing is skipped");
        List<String> ids = fixture.skippedIds();
        assertThat(DatasetPass.readAll(dataset).skips().firstIds())
                .containsExactlyElementsOf(ids.subList(0, Math.min(ids.size(), SkipCounter.KEPT_IDS)));
    }
}
