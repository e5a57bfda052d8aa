package dev.iris.training;

import dev.iris.plugins.config.TrainConfig;

/** Linear warmup from 0, then constant, cosine (to 0) or linear (to 0) over the remaining steps, as Hugging Face's schedulers. */
public final class LearningRate {
    private LearningRate() {}

    /** The learning rate for optimizer step {@code step} (0-based) of {@code total}. */
    public static double at(TrainConfig.Schedule schedule, double peak, int warmup, long step, long total) {
        if (warmup > 0 && step < warmup) return peak * (step + 1) / (double) (warmup + 1);
        long decaySteps = Math.max(1, total - warmup);
        double progress = Math.min(1.0, (step - warmup) / (double) decaySteps);
        return switch (schedule) {
            case CONSTANT -> peak;
            case LINEAR -> peak * (1 - progress);
            case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
