package dev.iris.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Training progress: step, loss, samples/s, elapsed time and ETA.
 *
 * <p>Two ways to show it, picked by {@link Mode#AUTO} from the process's standard output:
 * <ul>
 *   <li>{@link Mode#BAR} on a terminal: a me.tongfei progressbar redrawn in place, the loss, samples/s
 *       and ETA in its extra message;</li>
 *   <li>{@link Mode#PLAIN} otherwise (a pipe, a log file, CI, surefire): one plain line at the first
 *       update, then each time the step passes a multiple of {@code plainEvery} (by default 1% of the
 *       total, so about 100 lines per run), at the last step, and at {@link #close()} if the last update
 *       was not printed yet.</li>
 * </ul>
 * Why not the bar everywhere: without a terminal, progressbar 0.10.2 falls back to a "dumb" JLine
 * terminal and keeps rewriting one line with carriage returns and ANSI colours once a second, so a log
 * file gets a single endless line of escape codes; its default consumer also writes to the real stderr
 * descriptor (bypassing {@code System.setErr}), and JLine loads a native library, which JDK 24+ warns
 * about unless {@code --enable-native-access=ALL-UNNAMED} is given (the CLI jar's manifest has it, as ONNX
 * Runtime needs it too). Plain mode never touches progressbar or JLine.
 *
 * <p>ETA = (total - step) / rate, with rate = steps done since this reporter was made (beyond
 * {@code startStep}, for a resumed run) divided by the time since then; "?" until a step is done.
 *
 * <p>Reporting must not stop training: {@link #update} after {@link #close()} is ignored, and NaN values
 * are shown as they are.
 */
public final class ProgressReporter implements AutoCloseable {
    /** How progress is shown. */
    public enum Mode {
        /** {@link #BAR} if standard output is a terminal, else {@link #PLAIN}. */
        AUTO,
        /** progressbar, redrawn in place. */
        BAR,
        /** Plain lines every {@code plainEvery} steps. */
        PLAIN
    }

    private final String task;
    private final long total;
    private final long startStep;
    private final long plainEvery;
    private final Mode mode;
    private final PrintStream out;
    private final LastByte lastByte;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final ProgressBar bar;  // null in PLAIN mode

    private long lastStep;
    private double lastLoss = Double.NaN;
    private double lastSamplesPerSecond = Double.NaN;
    private long lastPrintedStep = -1;
    private boolean updated;
    private boolean closed;

    /** AUTO mode on {@code System.out}, a plain line every 1% of {@code totalSteps}. */
    public ProgressReporter(String task, long totalSteps) {
        this(builder(task, totalSteps));
    }

    private ProgressReporter(Builder b) {
        this.task = b.task;
        this.total = b.total;
        this.startStep = b.startStep;
        this.plainEvery = b.plainEvery > 0 ? b.plainEvery : defaultPlainEvery(b.total);
        this.lastByte = new LastByte(b.out);
        this.out = new PrintStream(lastByte, true, b.out.charset());
        b.out = this.out;
        this.nanoClock = b.nanoClock;
        this.mode = b.mode == Mode.AUTO ? (stdoutIsTerminal() ? Mode.BAR : Mode.PLAIN) : b.mode;
        this.lastStep = b.startStep;
        this.startNanos = nanoClock.getAsLong();
        this.bar = mode == Mode.BAR ? newBar(b) : null;
    }

    private static ProgressBar newBar(Builder b) {
        boolean utf8 = StandardCharsets.UTF_8.equals(b.out.charset());
        return new ProgressBarBuilder()
                .setTaskName(b.task)
                .setInitialMax(b.total)
                .startsFrom(b.startStep, Duration.ZERO)
                // block characters only where the stream can encode them
                .setStyle(utf8 ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .hideEta()  // our ETA goes in the extra message, computed the same way in both modes
                // our stream, not progressbar's default raw stderr descriptor
                .setConsumer(new ConsoleProgressBarConsumer(b.out))
                .build();
    }

    /** Options beyond the task and total; every one has a default. */
    public static Builder builder(String task, long totalSteps) {
        return new Builder(task, totalSteps);
    }

    /** About 100 plain lines per run: every ceil(total / 100) steps, at least every step. */
    static long defaultPlainEvery(long total) {
        return Math.max(1, (total + 99) / 100);
    }

    /**
     * Whether the process's standard output is a terminal. JDK 22+ always has a {@link Console} and says
     * so with {@code Console.isTerminal()} (called reflectively, this code targets 21); on JDK 21
     * {@code System.console()} is null unless stdin and stdout are a terminal. {@code TERM=dumb} counts as
     * no terminal.
     */
    public static boolean stdoutIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) return false;
        Console console = System.console();
        if (console == null) return false;
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;  // JDK 21: a non-null console means a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** BAR or PLAIN: what AUTO resolved to. */
    public Mode mode() {
        return mode;
    }

    public long plainEvery() {
        return plainEvery;
    }

    /**
     * Reports that {@code step} steps are done (counted from 0 over the whole run, so a resumed run
     * continues its numbers). Steps may be skipped between calls.
     *
     * @param loss              the loss to show (e.g. the latest or a running mean)
     * @param samplesPerSecond  throughput to show
     */
    public synchronized void update(long step, double loss, double samplesPerSecond) {
        if (closed) return;
        lastStep = step;
        lastLoss = loss;
        lastSamplesPerSecond = samplesPerSecond;
        updated = true;
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(extraMessage());
        } else if (lastPrintedStep < 0 || step / plainEvery > lastPrintedStep / plainEvery || step >= total) {
            printLine();
        }
    }

    /** Ends the display: the bar draws its final state; plain mode prints the last update if not yet printed. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (bar != null) {
            bar.close();
            // the bar's final render may end without a line break: the next output starts on its own line
            if (lastByte.last != '\n') out.println();
        } else if (updated && lastPrintedStep != lastStep) {
            printLine();
        }
        out.flush();
    }

    /** Passes bytes through and remembers the last one written. */
    private static final class LastByte extends FilterOutputStream {
        volatile int last = '\n';

        LastByte(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            last = b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            if (len > 0) last = b[off + len - 1];
        }
    }

    private void printLine() {
        out.println(String.format(Locale.ROOT, "%s step %d/%d (%.1f%%) | %s | elapsed %s",
                task, lastStep, total, 100.0 * lastStep / total, extraMessage(),
                formatDuration(Duration.ofNanos(nanoClock.getAsLong() - startNanos))));
        out.flush();
        lastPrintedStep = lastStep;
    }

    /** "loss 2.3456 | 12.3 samples/s | ETA 0:01:40". */
    String extraMessage() {
        return String.format(Locale.ROOT, "loss %.4f | %.1f samples/s | ETA %s", lastLoss, lastSamplesPerSecond, eta());
    }

    private String eta() {
        long remaining = total - lastStep;
        if (remaining <= 0) return formatDuration(Duration.ZERO);
        long done = lastStep - startStep;
        long elapsed = nanoClock.getAsLong() - startNanos;
        if (done <= 0 || elapsed <= 0) return "?";
        return formatDuration(Duration.ofNanos((long) ((double) elapsed / done * remaining)));
    }

    static String formatDuration(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
    }

    /** Options of a {@link ProgressReporter}. */
    public static final class Builder {
        private final String task;
        private final long total;
        private long startStep;
        private long plainEvery;
        private Mode mode = Mode.AUTO;
        private PrintStream out = System.out;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(String task, long totalSteps) {
            this.task = Objects.requireNonNull(task, "task");
            if (totalSteps < 1) throw new IllegalArgumentException("total steps " + totalSteps + " < 1");
            this.total = totalSteps;
        }

        /** Steps already done before this reporter (a resumed run); default 0. */
        public Builder startStep(long steps) {
            if (steps < 0 || steps > total) throw new IllegalArgumentException("start step " + steps);
            this.startStep = steps;
            return this;
        }

        /** Plain mode prints every this many steps; 0 (default) means {@code ceil(total / 100)}. */
        public Builder plainEvery(long steps) {
            if (steps < 0) throw new IllegalArgumentException("plainEvery " + steps);
            this.plainEvery = steps;
            return this;
        }

        /** Default {@link Mode#AUTO}. */
        public Builder mode(Mode m) {
            this.mode = Objects.requireNonNull(m, "mode");
            return this;
        }

        /** Where to print; default {@code System.out}. AUTO still looks at the process's standard output. */
        public Builder out(PrintStream stream) {
            this.out = Objects.requireNonNull(stream, "out");
            return this;
        }

        Builder clock(LongSupplier nanos) {
            this.nanoClock = nanos;
            return this;
        }

        public ProgressReporter build() {
            return new ProgressReporter(this);
        }
    }
}
