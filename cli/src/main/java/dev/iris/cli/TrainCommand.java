package dev.iris.cli;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.training.RunConfig;
import dev.iris.training.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Trains the stage's trainable weights and writes a run folder. */
@Command(name = "train", description = {
    "Train the fusion module (stage pretrain), fusion + LLM (finetune) or the LLM on text (lm).",
    "The config needs a train section. Writes train.output: config.yaml, metrics.jsonl, loss-curve.png, checkpoints/ and final/."})
final class TrainCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    // not ConfigOptions: --config is optional here, as --resume RUN_DIR names the config instead
    @Option(names = "--config", paramLabel = ConfigOptions.CONFIG_LABEL, description = ConfigOptions.CONFIG_DESCRIPTION)
    Path config;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue the run in RUN_DIR from its last complete checkpoint (uses its config.yaml and config-origin.json; works from any directory).")
    Path resume;

    @Mixin
    ConfigOverrides overrides;

    @Override
    public Integer call() {
        if ((config == null) == (resume == null)) throw new IrisException("give either --config FILE or --resume RUN_DIR");
        IrisConfig cfg;
        if (resume != null) {
            if (!Files.isDirectory(resume)) throw new IrisException("--resume " + resume + ": no such folder");
            // the run's own record: its relative paths resolve as in the original run, from any directory
            cfg = RunConfig.read(resume, overrides.values());
        } else {
            cfg = overrides.load(config);
        }
        if (!cfg.hasTrain()) throw new IrisException(cfg.source() + ": the config has no train section");
        PrintWriter out = spec.commandLine().getOut();
        Trainer.Result r;
        try (TrainProgress progress = new TrainProgress(out, "train")) {
            r = Trainer.train(cfg, parent.registry(), Optional.ofNullable(resume), progress);
        }
        out.printf("trained %d steps in %.1f s (%.2f samples/s), final loss %.4f%n", r.steps(), r.seconds(), r.samplesPerSecond(), r.finalLoss());
        if (r.datasetSkips().count() > 0) {
            out.printf("skipped %d rows of the dataset %s (first ids: %s)%n", r.datasetSkips().count(), r.datasetSkips().byReason(), r.datasetSkips().firstIds());
        }
        if (!r.sampleSkips().isEmpty()) out.printf("skipped samples: %s%n", r.sampleSkips());
        r.skippedFile().ifPresent(f -> out.println("skipped rows, each with its reason: " + f));
        if (r.truncated() > 0) {
            out.printf("%d %s cut to train.max_length (%d whole trailing turns left out, the rest lost answer tokens)%n",
                    r.truncated(), r.truncated() == 1 ? "sample was" : "samples were", r.turnsDropped());
        }
        out.println("checkpoint: " + r.finalCheckpoint());
        out.flush();
        return 0;
    }
}
