package dev.iris.vlm;

import dev.iris.api.IrisException;
import dev.iris.evaluation.Evaluator;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.training.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The way to iris-training and iris-evaluation, which are optional dependencies of iris-vlm:
 * this class is loaded only when {@code train} or {@code evaluate} is called, after
 * {@link #require()} made sure they are there.
 */
final class TrainingBridge {
    /** A class of each optional artifact, with the artifact's name. */
    static final Map<String, String> NEEDED = Map.of(
            "dev.iris.training.Trainer", "iris-training",
            "dev.iris.evaluation.Evaluator", "iris-evaluation");

    private TrainingBridge() {}

    /** Fails with what to add when training or evaluation is not on the class path. */
    static void require() {
        require(NEEDED, IrisModel.class.getClassLoader());
    }

    static void require(Map<String, String> classToArtifact, ClassLoader loader) {
        for (Map.Entry<String, String> e : classToArtifact.entrySet()) {
            try {
                Class.forName(e.getKey(), false, loader);
            } catch (ClassNotFoundException missing) {
                throw new IrisException("train and evaluate need " + e.getValue() + " on the class path (it is an optional dependency of "
                        + "iris-vlm): depend on dev.iris:iris-vlm-training (type pom), or add iris-training, iris-evaluation and iris-datasets");
            }
        }
    }

    static TrainResult train(IrisConfig config, PluginRegistry registry, Consumer<TrainStep> onStep) {
        if (!config.hasTrain()) throw new IrisException(config.source() + ": the config has no train section");
        Trainer.Result r = Trainer.train(config, registry, Optional.empty(), s -> onStep.accept(
                new TrainStep(s.step(), s.totalSteps(), s.loss(), s.lr(), s.gradNorm(), s.samplesPerSecond(), s.epoch())));
        Map<String, Long> skipped = new LinkedHashMap<>(r.datasetSkips().byReason());
        r.sampleSkips().forEach((reason, n) -> skipped.merge(reason, n, Long::sum));
        return new TrainResult(r.runDir(), r.finalCheckpoint(), r.steps(), r.finalLoss(), r.samplesPerSecond(), r.seconds(), skipped, r.truncated());
    }

    /** The config with the checkpoint's trained weights in place of the model's. */
    static IrisConfig withCheckpoint(IrisConfig config, Path checkpoint) {
        return Evaluator.withCheckpoint(config, checkpoint);
    }

    static Evaluation evaluate(IrisConfig config, PluginRegistry registry, Path checkpoint, int limit) {
        if (!config.hasTrain()) throw new IrisException(config.source() + ": the config has no train section (evaluate reads train.eval_dataset)");
        Evaluator.Result r = Evaluator.evaluate(config, registry, checkpoint, limit, n -> {});
        Map<String, Double> tasks = new LinkedHashMap<>();
        r.taskScores().forEach(t -> tasks.put(t.key(), t.value()));
        return new Evaluation(r.checkpoint(), r.examples(), r.heldOutLoss(), r.perplexity(), r.bleu4(), r.rougeL(), r.ciderD(), tasks,
                r.skipped().byReason(), r.seconds());
    }
}
