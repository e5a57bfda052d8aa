package dev.iris.cli;

import dev.iris.cli.quickstart.Quickstart;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** The embedded default main job: tiny models and synthetic shapes, trained and evaluated end to end. */
@Command(name = "quickstart", description = {
    "Make tiny models and synthetic shapes data, train (a text stage that teaches the LLM to read its prompt,",
    "then stage 1; stage 2 only if needed),",
    "evaluate on the held-out split and print a summary. Minutes on 2 CPU cores."})
final class QuickstartCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/quickstart", paramLabel = "DIR", description = "Run folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        Quickstart.Plan plan = Quickstart.Plan.DEFAULT;
        Quickstart.Summary s;
        try (TrainProgress progress = new TrainProgress(pw, "quickstart")) {
            s = Quickstart.run(parent.registry(), out, plan, pw, progress);
        }
        pw.println();
        pw.println("| stage | steps | time | train samples/s | final train loss | held-out loss | held-out fully correct | BLEU-4 | ROUGE-L |");
        pw.println("|---|---|---|---|---|---|---|---|---|");
        for (Quickstart.StageResult r : s.stages()) {
            pw.printf("| %s | %d | %s | %.1f | %.4f | %s | %s | %s | %s |%n", r.stage(), r.steps(), TrainProgress.duration(r.seconds()),
                    r.samplesPerSecond(), r.finalTrainLoss(), fmt(r.heldOutLoss(), "%.4f"), pct(r.accuracy()), fmt(r.bleu4(), "%.3f"), fmt(r.rougeL(), "%.3f"));
        }
        pw.println();
        pw.println("examples (held-out, last stage):");
        s.examples().forEach(c -> pw.printf("  %s  %-40s -> %s%n", c.taskScores().getOrDefault(Quickstart.ACCURACY, 0.0) == 1.0 ? "ok " : "BAD", c.reference(), c.generated()));
        pw.printf("%ntarget %.0f%% fully correct: %s%s; total %s%n", 100 * Quickstart.TARGET, s.reachedTarget() ? "reached" : "NOT reached",
                s.usedStage2() ? " (stage 1 alone was not enough: stage 2 ran)" : " with stage 1 alone", TrainProgress.duration(s.seconds()));
        pw.println("loss curve: " + s.lossPicture());
        pw.println("summary: " + s.runDir().resolve("summary.json"));
        pw.flush();
        return 0;
    }

    private static String fmt(Optional<Double> v, String f) {
        return v.map(x -> String.format(f, x)).orElse("-");
    }

    private static String pct(Optional<Double> v) {
        return v.map(x -> String.format("%.1f%%", 100 * x)).orElse("-");
    }
}
