package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.cli.ProgressReporter.Mode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    final AtomicLong nanos = new AtomicLong();

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    List<String> lines() {
        return printed().lines().toList();
    }

    static final long SECOND = 1_000_000_000L;

    @Test
    void surefireIsNotATerminalSoAutoPrintsPlainLines() {
        // surefire's forked JVM writes to a pipe, whatever started Maven
        assertThat(ProgressReporter.stdoutIsTerminal()).isFalse();
        try (ProgressReporter p = ProgressReporter.builder("train", 5).out(out).build()) {
            assertThat(p.mode()).isEqualTo(Mode.PLAIN);
            for (int s = 1; s <= 5; s++) p.update(s, 1.0 / s, 10);
        }
        assertThat(printed()).doesNotContain("\r", "\u001b");
        assertThat(lines()).hasSize(5).allMatch(l -> l.startsWith("train step "));
        // the two-argument constructor prints to System.out (captured here to keep the build quiet)
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (ProgressReporter p = new ProgressReporter("smoke", 3)) {
            assertThat(p.mode()).isEqualTo(Mode.PLAIN);
            p.update(3, 0.5, 1);
        } finally {
            System.setOut(stdout);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).startsWith("smoke step 3/3 (100.0%) | loss 0.5000");
    }

    @Test
    void plainLinesEveryNStepsWithEtaFromTheClock() {
        ProgressReporter p = ProgressReporter.builder("train", 10).mode(Mode.PLAIN).plainEvery(3)
                .out(out).clock(nanos::get).build();
        for (int s = 1; s <= 10; s++) {
            nanos.addAndGet(2 * SECOND);  // each step takes 2 s
            p.update(s, 3.0 - 0.25 * s, 16.0);
        }
        p.close();
        // printed at the first update, on passing 3, 6, 9, and at the last step
        assertThat(lines()).containsExactly(
                "train step 1/10 (10.0%) | loss 2.7500 | 16.0 samples/s | ETA 0:00:18 | elapsed 0:00:02",
                "train step 3/10 (30.0%) | loss 2.2500 | 16.0 samples/s | ETA 0:00:14 | elapsed 0:00:06",
                "train step 6/10 (60.0%) | loss 1.5000 | 16.0 samples/s | ETA 0:00:08 | elapsed 0:00:12",
                "train step 9/10 (90.0%) | loss 0.7500 | 16.0 samples/s | ETA 0:00:02 | elapsed 0:00:18",
                "train step 10/10 (100.0%) | loss 0.5000 | 16.0 samples/s | ETA 0:00:00 | elapsed 0:00:20");
    }

    @Test
    void skippedStepsStillCrossTheIntervalAndCloseFlushesTheLastUpdate() {
        ProgressReporter p = ProgressReporter.builder("stage2", 100).mode(Mode.PLAIN).plainEvery(10)
                .out(out).clock(nanos::get).build();
        p.update(4, 1, 1);    // first: printed
        p.update(8, 1, 1);    // same interval: quiet
        p.update(13, 1, 1);   // passed 10: printed
        p.update(17, 1, 1);   // quiet, but close() shows it
        p.close();
        assertThat(lines()).extracting(l -> l.split(" \\|")[0]).containsExactly(
                "stage2 step 4/100 (4.0%)", "stage2 step 13/100 (13.0%)", "stage2 step 17/100 (17.0%)");
        p.update(50, 1, 1);   // after close: ignored, no exception
        p.close();
        assertThat(lines()).hasSize(3);
    }

    @Test
    void resumedRunMeasuresTheRateFromItsStartStep() {
        ProgressReporter p = ProgressReporter.builder("train", 1000).startStep(900).mode(Mode.PLAIN)
                .out(out).clock(nanos::get).build();
        nanos.addAndGet(10 * SECOND);
        p.update(910, Double.NaN, Double.NaN);  // 10 steps in 10 s, 90 left -> 90 s
        p.close();
        assertThat(printed()).contains("step 910/1000 (91.0%) | loss NaN | NaN samples/s | ETA 0:01:30");
    }

    @Test
    void etaIsUnknownBeforeAnyStepIsDone() {
        ProgressReporter p = ProgressReporter.builder("t", 4).mode(Mode.PLAIN).out(out).clock(nanos::get).build();
        p.update(0, 2, 0);
        assertThat(p.extraMessage()).isEqualTo("loss 2.0000 | 0.0 samples/s | ETA ?");
        p.close();
    }

    @Test
    void defaultIntervalIsAboutOnePercent() {
        assertThat(ProgressReporter.defaultPlainEvery(1)).isEqualTo(1);
        assertThat(ProgressReporter.defaultPlainEvery(100)).isEqualTo(1);
        assertThat(ProgressReporter.defaultPlainEvery(101)).isEqualTo(2);
        assertThat(ProgressReporter.defaultPlainEvery(50_000)).isEqualTo(500);
        assertThat(ProgressReporter.builder("t", 2500).mode(Mode.PLAIN).out(out).build().plainEvery()).isEqualTo(25);
        assertThat(ProgressReporter.formatDuration(java.time.Duration.ofSeconds(3 * 3600 + 62))).isEqualTo("3:01:02");
    }

    @Test
    void barModeRunsHeadlessIntoTheGivenStream() {
        // forced on a non-terminal: progressbar falls back to a dumb JLine terminal and must not throw
        try (ProgressReporter p = ProgressReporter.builder("train", 20).mode(Mode.BAR).out(out)
                .clock(nanos::get).build()) {
            assertThat(p.mode()).isEqualTo(Mode.BAR);
            for (int s = 1; s <= 20; s++) {
                nanos.addAndGet(SECOND / 2);
                p.update(s, 2.5, 8.0);
            }
        }
        // close() renders the final state synchronously: 20/20 and our message
        assertThat(printed()).contains("train", "20/20", "loss 2.5000 | 8.0 samples/s | ETA 0:00:00")
                .endsWith(System.lineSeparator());
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> ProgressReporter.builder("t", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProgressReporter.builder("t", 5).startStep(6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProgressReporter.builder("t", 5).plainEvery(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
