package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's list of skipped rows: each id once, with its reason, and nothing written when nothing was skipped. */
class SampleSkipsTest {
    @TempDir
    Path dir;

    @Test
    void eachIdIsListedOnceAcrossEpochsAndKindsAreCountedApart() throws Exception {
        Path file = dir.resolve("run/" + SampleSkips.FILE);
        try (SampleSkips s = SampleSkips.writingTo(file, false)) {
            for (int epoch = 0; epoch < 3; epoch++) {
                s.datasetSkipped(List.of(new Dataset.Skipped("a", "missing image"), new Dataset.Skipped("b", "empty caption")));
                s.sampleSkipped("c", "undecodable image: WebP is not supported");
                s.passEnded();
            }
            assertThat(s.count()).isEqualTo(3);
            assertThat(s.datasetSkips().byReason()).containsEntry("missing image", 1L).containsEntry("empty caption", 1L);
            assertThat(s.sampleSkips()).containsExactly(java.util.Map.entry("undecodable image: WebP is not supported", 1L));
            assertThat(s.summary()).isEqualTo("3 rows skipped (missing image: 1, empty caption: 1, undecodable image: WebP is not supported: 1), "
                    + "first ids: a, b, c; all listed in " + file);
        }
        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"id\":\"a\",\"reason\":\"missing image\"}", "{\"id\":\"b\",\"reason\":\"empty caption\"}",
                "{\"id\":\"c\",\"reason\":\"undecodable image: WebP is not supported\"}");
    }

    @Test
    void aResumedRunKeepsTheListAndAFreshRunReplacesIt() throws Exception {
        Path file = dir.resolve(SampleSkips.FILE);
        try (SampleSkips s = SampleSkips.writingTo(file, false)) {
            s.sampleSkipped("x", "r");
        }
        try (SampleSkips resumed = SampleSkips.writingTo(file, true)) {
            assertThat(resumed.sampleSkipped("x", "r")).isFalse();   // listed before the interruption
            assertThat(resumed.sampleSkipped("y", "r")).isTrue();
        }
        assertThat(Files.readAllLines(file)).hasSize(2);
        try (SampleSkips fresh = SampleSkips.writingTo(file, false)) {
            assertThat(file).doesNotExist();   // an earlier run's list is not this one's
            assertThat(fresh.file()).isEmpty();
            assertThat(fresh.summary()).isEqualTo("no rows skipped");
        }
    }

    @Test
    void rowsSharingAnIdWithinAPassAreEachListed() {
        // two files of one dataset may both hold an id "row-1"
        try (SampleSkips s = SampleSkips.inMemory()) {
            s.datasetSkipped(List.of(new Dataset.Skipped("row-1", "missing image"), new Dataset.Skipped("row-1", "missing image")));
            s.passEnded();
            s.datasetSkipped(List.of(new Dataset.Skipped("row-1", "missing image")));
            assertThat(s.datasetSkips().byReason()).containsExactly(java.util.Map.entry("missing image", 2L));
        }
    }

    @Test
    void decoderDetailsThatDifferPerRowAreCountedUnderOneReason() {
        try (SampleSkips s = SampleSkips.inMemory()) {
            s.sampleSkipped("a", "undecodable image: not a recognised image (64 bytes starting 52494646)");
            s.sampleSkipped("b", "undecodable image: not a recognised image (80 bytes starting 00000000)");
            s.sampleSkipped("c", "undecodable image: damaged or truncated JPEG: Premature end of JPEG file");
            s.sampleSkipped("d", "undecodable image: damaged or truncated JPEG: Bogus marker length");
            assertThat(s.sampleSkips()).containsExactly(
                    java.util.Map.entry("undecodable image: not a recognised image", 2L),
                    java.util.Map.entry("undecodable image: damaged or truncated JPEG", 2L));
        }
    }

    @Test
    void manyDistinctReasonsAreCutInTheMessage() {
        try (SampleSkips s = SampleSkips.inMemory()) {
            for (int i = 0; i < 15; i++) s.sampleSkipped("r" + i, "reason " + i);
            assertThat(s.summary()).contains("reason 9: 1, 5 more reasons)").doesNotContain("reason 10:");
            assertThat(s.file()).isEmpty();
        }
    }
}
