package dev.iris.cli;

import dev.iris.plugins.train.Trainer;
import java.io.PrintWriter;
import java.util.function.Consumer;

/** A progress line every few steps: step, loss, samples/s and the time left. */
final class TrainProgress implements Consumer<Trainer.StepInfo>, AutoCloseable {
    private final PrintWriter out;
    private final int every;
    private final long start = System.nanoTime();

    TrainProgress(PrintWriter out, int every) {
        this.out = out;
        this.every = every;
    }

    @Override
    public void accept(Trainer.StepInfo s) {
        if (s.step() % every != 0 && s.step() != s.totalSteps() && s.step() != 1) return;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / s.step() * (s.totalSteps() - s.step());
        out.printf("step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.1f samples/s  eta %s%n",
                s.step(), s.totalSteps(), s.loss(), s.lr(), s.gradNorm(), s.samplesPerSecond(), duration(eta));
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        out.flush();
    }
}
