package dev.iris.testkit;

import static dev.iris.testkit.FusionContractTest.failed;
import static dev.iris.testkit.FusionContractTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** The dataset contract run on a right dataset and on ones that keep their file open or change their order. */
class DatasetContractTest {

    static class RightDataset extends DatasetContract {
        SampleDataset.Fault fault() {
            return SampleDataset.Fault.NONE;
        }

        @Override
        protected Fixture fixture(Path dir) throws Exception {
            Files.writeString(dir.resolve("captions.txt"), "a|a red circle\nb|\nc|a blue square\nd| \ne|a green star\n");
            return new Fixture("captions.txt", 3, Map.of("empty caption", 2L), List.of("b", "d"), "captions.txt");
        }

        @Override
        protected Dataset createDataset(Path dir, Fixture fixture) {
            return new SampleDataset(dir.resolve(fixture.config()), fault());
        }

        @Override
        protected String type() {
            return "sample-lines";
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.SKIPS_BAD_ROWS, PluginBehavior.READS_FILES);
        }
    }

    static class KeepsTheFileOpen extends RightDataset {
        @Override
        SampleDataset.Fault fault() {
            return SampleDataset.Fault.KEEPS_THE_FILE_OPEN;
        }
    }

    static class ReversesEverySecondPass extends RightDataset {
        @Override
        SampleDataset.Fault fault() {
            return SampleDataset.Fault.REVERSES_EVERY_SECOND_PASS;
        }
    }

    @Test
    void aRightDatasetPasses() {
        Events events = run(RightDataset.class);
        assertThat(failed(events)).isEmpty();
        assertThat(events.succeeded().count()).isGreaterThanOrEqualTo(12);
    }

    @Test
    void aPassThatKeepsItsFileOpenFails() {
        assertThat(failed(run(KeepsTheFileOpen.class))).containsExactlyInAnyOrder(
                "closeReleasesTheFiles", "anExhaustedPassReleasesItsFilesAndStaysExhausted");
    }

    @Test
    void aDatasetWhoseOrderChangesBetweenPassesFails() {
        assertThat(failed(run(ReversesEverySecondPass.class))).contains("twoPassesGiveTheSameExamplesInTheSameOrder")
                .doesNotContain("closeReleasesTheFiles");
    }
}
