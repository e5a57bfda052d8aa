package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.evaluation.Evaluator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Scores a checkpoint on the held-out split (train.eval_dataset) and prints JSON. */
@Command(name = "eval", description = "Held-out loss, perplexity, BLEU-4, ROUGE-L, CIDEr-D (and the dataset's own metrics, e.g. shapes accuracy) "
        + "of a checkpoint, as JSON, on the held-out split the config's train.eval_dataset names. Rows that cannot be used are skipped and listed, as in training.")
final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint folder (e.g. RUN/final).")
    Path checkpoint;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate at most this many examples (0 = all).")
    int limit;

    @Option(names = "--skipped", paramLabel = "FILE", description = "Where to list skipped held-out rows as JSON lines "
            + "(default: eval-skipped.jsonl in the checkpoint folder; written only when a row is skipped).")
    Path skipped;

    @Override
    public Integer call() throws Exception {
        IrisConfig cfg = config.load();
        Path skippedFile = skipped != null ? skipped : checkpoint.resolve("eval-skipped.jsonl");
        Evaluator.Result r = Evaluator.evaluate(cfg, parent.registry(), checkpoint, limit, Optional.of(skippedFile), n -> {});
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint", r.checkpoint().toString());
        m.put("examples", r.examples());
        m.put("answers", r.captions().size());   // one per caption, one per assistant turn of a conversation
        m.put("heldout_loss", r.heldOutLoss());
        m.put("perplexity", r.perplexity());
        m.put("bleu4", r.bleu4());
        m.put("rouge_l", r.rougeL());
        m.put("cider_d", r.ciderD());
        for (Evaluator.TaskScore t : r.taskScores()) m.put(t.key(), t.value());
        Map<String, Object> skips = new LinkedHashMap<>();
        skips.put("count", r.skipped().count());
        skips.put("by_reason", r.skipped().byReason());
        skips.put("first_ids", r.skipped().firstIds());
        r.skippedFile().ifPresent(f -> skips.put("file", f.toString()));
        m.put("skipped", skips);
        m.put("seconds", r.seconds());
        m.put("captions", r.captions().subList(0, Math.min(10, r.captions().size())));
        PrintWriter out = spec.commandLine().getOut();
        JsonOutput.print(out, m);
        out.flush();
        return 0;
    }
}
