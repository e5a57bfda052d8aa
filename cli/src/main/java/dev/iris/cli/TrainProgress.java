package dev.iris.cli;

import dev.iris.cli.ProgressReporter;
import dev.iris.training.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Training progress on the command's output: a bar with step, loss, samples/s and ETA on a
 * terminal, plain lines otherwise. A new run (the quickstart trains several) starts a new bar.
 */
final class TrainProgress implements Consumer<Trainer.StepInfo>, AutoCloseable {
    private final PrintStream out;
    private final String task;
    private ProgressReporter reporter;
    private long total = -1;

    TrainProgress(PrintWriter writer, String task) {
        this.out = new PrintStream(new WriterStream(writer), true, StandardCharsets.UTF_8);
        this.task = task;
    }

    @Override
    public void accept(Trainer.StepInfo s) {
        if (reporter == null || s.totalSteps() != total || s.step() == 1) {
            if (reporter != null) reporter.close();
            total = s.totalSteps();
            reporter = ProgressReporter.builder(task, s.totalSteps()).startStep(s.step() - 1).out(out).build();
        }
        reporter.update(s.step(), s.loss(), s.samplesPerSecond());
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (reporter != null) reporter.close();
        out.flush();
    }

    /** Bytes to a PrintWriter (picocli's output), decoded as UTF-8 at each flush. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public synchronized void flush() {
            writer.write(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
            writer.flush();
        }
    }
}
