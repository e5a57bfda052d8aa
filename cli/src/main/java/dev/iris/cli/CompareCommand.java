package dev.iris.cli;

import dev.iris.evaluation.Compare;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Trains, evaluates and measures two configs (two fusions, encoders or language models) alike and writes the comparison. */
@Command(name = "compare", description = "Train two configs (e.g. fusion A and fusion B, or two encoders, or two language models) on CFG_A's data, "
        + "seed, steps and batch size, evaluate both on its held-out split, time generation and write DIR/compare.json (with parts_differ "
        + "and part_differences: which parts of the model differ), compare.md and loss-curves.png. Each --set applies to both configs.")
final class CompareCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CFG_A", description = "Config of side A (its train data, seed, steps and batch size apply to both).")
    Path configA;

    @Parameters(index = "1", paramLabel = "CFG_B", description = "Config of side B.")
    Path configB;

    @Option(names = "--out", defaultValue = "runs/compare", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}); runs go to DIR/a and DIR/b.")
    Path out;

    @Option(names = "--checkpoint-a", paramLabel = "DIR", description = "Load A from this checkpoint folder instead of training it.")
    Path checkpointA;

    @Option(names = "--checkpoint-b", paramLabel = "DIR", description = "Load B from this checkpoint folder instead of training it.")
    Path checkpointB;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Evaluate at most N held-out examples (0 = all).")
    int limit;

    @Mixin
    ConfigOverrides overrides;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        Compare.Options options = new Compare.Options(configA, configB, out, Optional.ofNullable(checkpointA), Optional.ofNullable(checkpointB),
                overrides.values(), limit);
        Compare.Result r;
        try (TrainProgress progress = new TrainProgress(pw, "compare")) {
            r = Compare.run(parent.registry(), options, pw, progress);
        }
        pw.println();
        pw.print(r.table());
        pw.println();
        pw.println("report: " + r.markdown());
        pw.println("figures: " + r.json());
        pw.println("loss curves: " + r.lossCurves());
        pw.flush();
        return 0;
    }
}
