package dev.iris.cli.bench;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.training.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The training part of {@code iris bench}, run in a JVM of its own so the peak memory it reports
 * (per step, in the run's metrics.jsonl) is training's alone. Argument: the training config file.
 */
public final class BenchTrainer {
    private BenchTrainer() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: BenchTrainer CONFIG.yaml");
            System.exit(2);
        }
        try {
            IrisConfig cfg = new ConfigLoader().load(Path.of(args[0]), List.of());
            Trainer.train(cfg, PluginRegistry.discover(), Optional.empty(), step -> System.out.printf(
                    "train step %d/%d: %.2f samples/s%n", step.step(), step.totalSteps(), step.samplesPerSecond()));
        } catch (RuntimeException e) {
            System.err.println("bench training failed: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
