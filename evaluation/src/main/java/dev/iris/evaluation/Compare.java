package dev.iris.evaluation;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.ConfigEdit;
import dev.iris.plugins.config.ConfigSections;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PathFields;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelParts;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.training.Checkpoint;
import dev.iris.training.ProcessMemory;
import dev.iris.training.RunMetrics;
import dev.iris.training.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code iris compare}: two model configs (fusion A and fusion B, or two encoders, or two language
 * models: any parts may differ, and the report says which) trained on the same
 * data, seed, step budget and batch size, evaluated on the same held-out split, and measured for
 * speed, size, memory and whether text-only prompts are left exactly as the base LLM answers them.
 * Writes {@code compare.json}, {@code compare.md} and {@code loss-curves.png} into the output folder.
 */
public final class Compare {
    /** The {@code train} keys both sides take from CFG_A, so that they train alike. */
    public static final List<String> SHARED_TRAIN_KEYS = List.of("dataset", "eval_dataset", "seed", "steps", "epochs", "batch_size", "grad_accum");
    public static final String JSON_FILE = "compare.json", MARKDOWN_FILE = "compare.md", CHART_FILE = "loss-curves.png";
    /** What was saved when a side failed; removed once a comparison completes. */
    public static final String PARTIAL_FILE = "compare-partial.json";
    /** In a side's folder: the held-out rows its evaluation skipped, when any. */
    public static final String EVAL_SKIPPED_FILE = "eval-skipped.jsonl";

    private static final double MB = 1024.0 * 1024.0;

    /**
     * What to compare.
     *
     * @param overrides {@code --set key=value}, applied to both configs before the shared settings
     * @param limit     held-out examples to evaluate (0 = all)
     */
    public record Options(Path configA, Path configB, Path out, Optional<Path> checkpointA, Optional<Path> checkpointB,
                          List<String> overrides, int limit) {
        public Options {
            Objects.requireNonNull(configA, "configA");
            Objects.requireNonNull(configB, "configB");
            Objects.requireNonNull(out, "out");
            overrides = List.copyOf(overrides);
            if (limit < 0) throw new IrisException("--limit must be >= 0 (0 = all held-out examples)");
        }
    }

    /**
     * The figures of one side. Empty optionals are figures that could not be had: training figures of
     * a checkpoint loaded without its run folder, memory outside Linux.
     *
     * @param name                  {@code A} or {@code B}
     * @param fusionSettings        the fusion section without its type and weights, e.g. {@code merge: sequential, factor: 4}
     * @param trainedHere           false when the checkpoint was given and loaded instead of trained
     * @param peakRssMb             the process's VmHWM after this side: both sides share one process
     * @param textOnlyEqualsBase    greedy text-only generations give exactly the ids of the language model run alone (no fusion in the graph)
     * @param lossCurve             (step, loss) points of the training run
     * @param taskScores            the held-out dataset's own metrics (none for most datasets)
     * @param heldOutSkipped        held-out rows left out of the evaluation, by reason
     */
    public record Side(String name, String fusionType, String fusionSettings, Path config, boolean trainedHere, Path checkpoint,
                       Optional<Long> trainSteps, Optional<Double> trainSamplesPerSecond, Optional<Double> trainSeconds,
                       Optional<Double> finalTrainLoss,
                       int heldOutExamples, double heldOutLoss, double perplexity, double bleu4, double rougeL, double ciderD,
                       List<Evaluator.TaskScore> taskScores, Dataset.Skips heldOutSkipped,
                       int imageTokens, boolean readsImageEveryStep, int promptTokensWithImage, long trainableParameters,
                       double imageEncodeMs, double prefillMs, double decodeMsPerToken,
                       Optional<Double> peakRssMb, Optional<Double> rssMb, double heapUsedMb,
                       boolean textOnlyEqualsBase, List<double[]> lossCurve) {}

    /**
     * @param shared      the shared {@code train.*} settings as both sides used them
     * @param bOverridden one line per shared setting whose value in B's file differed from A's
     * @param notes       what a reader should know to read the figures right
     * @param table       the Markdown table alone (the CLI prints it)
     * @param parts       which parts of the model (encoder, language model, fusion) the two configs give differently
     */
    public record Result(Path out, Side a, Side b, Map<String, Object> shared, List<String> bOverridden, List<String> notes,
                         String table, Path json, Path markdown, Path lossCurves, PartDifferences parts) {}

    /** B's config with A's shared settings, and what had to change. */
    record Shared(IrisConfig b, Map<String, Object> values, List<String> differences) {}

    private Compare() {}

    /** Loads both configs (with {@code options.overrides()}) and compares them. */
    public static Result run(PluginRegistry registry, Options options, PrintWriter log, Consumer<Trainer.StepInfo> progress) {
        IrisConfig a = IrisConfig.load(options.configA(), options.overrides());
        IrisConfig b = IrisConfig.load(options.configB(), options.overrides());
        return run(registry, a, b, options, log, progress);
    }

    /** Compares two loaded configs; {@code options} gives the output folder, checkpoints and limit (its config paths are for the report). */
    public static Result run(PluginRegistry registry, IrisConfig a, IrisConfig b, Options options, PrintWriter log,
                             Consumer<Trainer.StepInfo> progress) {
        if (!a.hasTrain()) throw new IrisException(options.configA() + ": the config has no train section (compare trains both sides with its data and budget)");
        if (!b.hasTrain()) throw new IrisException(options.configB() + ": the config has no train section (its stage, lr and schedule are B's own)");
        Path out = options.out().toAbsolutePath().normalize();
        Shared shared = share(a, b, registry);
        IrisConfig cfgA = a.edit().trainOutput(out.resolve("a")).done();
        IrisConfig cfgB = shared.b().edit().trainOutput(out.resolve("b")).done();
        // fail on a bad value of either side now, not after A has trained for an hour
        check(cfgA, options.configA(), registry);
        check(cfgB, options.configB(), registry);
        if (cfgA.train().evalDataset().isEmpty()) {
            throw new IrisException(options.configA() + ": train.eval_dataset is not set: compare evaluates both sides on that held-out split");
        }
        options.checkpointA().ifPresent(c -> checkCheckpoint(c, cfgA, "--checkpoint-a"));
        options.checkpointB().ifPresent(c -> checkCheckpoint(c, cfgB, "--checkpoint-b"));
        if (!shared.differences().isEmpty()) {
            log.println("== B trains as A does: " + String.join("; ", shared.differences()));
        }
        PartDifferences parts = PartDifferences.of(cfgA, cfgB, registry);
        log.println(parts.byPart().isEmpty() ? "== A and B have the same model parts: only their own train settings differ"
                : "== parts that differ: " + String.join("; ", parts.byPart().entrySet().stream()
                        .map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")").toList()));

        // what each side has done so far: a failure later must not lose it
        Progress pa = new Progress("A", options.checkpointA()), pb = new Progress("B", options.checkpointB());
        Side sideA, sideB;
        try {
            sideA = side(pa, cfgA, options.configA(), options.limit(), registry, log, progress);
        } catch (RuntimeException e) {
            throw failed(out, options, pa, null, pb, e, log);
        }
        try {
            sideB = side(pb, cfgB, options.configB(), options.limit(), registry, log, progress);
        } catch (RuntimeException e) {
            throw failed(out, options, pa, sideA, pb, e, log);
        }

        List<String> notes = new ArrayList<>(CompareReport.notes(sideA, sideB, shared.differences(), unsharedDifferences(cfgA, cfgB)));
        if (parts.llmDiffers()) {
            notes.add(0, "The language models differ, so each side's held-out loss and perplexity are per token of its own tokenizer: "
                    + "they are not comparable between the sides; the caption scores and task accuracy are.");
        }
        Result r = CompareReport.write(out, options, sideA, sideB, shared.values(), shared.differences(), notes, parts);
        CompareReport.deletePartial(out);
        return r;
    }

    // ------------------------------------------------------------------ shared settings

    /** B with CFG_A's shared train settings; path fields in them made absolute, as they resolve from A's file. */
    static Shared share(IrisConfig a, IrisConfig b, PluginRegistry registry) {
        ComponentConfig ta = a.section("train"), tb = b.section("train");
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> differences = new ArrayList<>();
        ConfigEdit edit = b.edit();
        for (String key : SHARED_TRAIN_KEYS) {
            Object av = normalized(ta, key, registry), bv = normalized(tb, key, registry);
            if (av != null) values.put("train." + key, av);
            if (sameValue(av, bv)) continue;
            edit.set("train." + key, av);
            differences.add("train." + key + " was " + show(bv) + " in B's config, set to A's " + show(av));
        }
        return new Shared(edit.done(), values, differences);
    }

    /**
     * A train value as it applies: the fields its owner declares as paths made absolute (a relative
     * path in A's file means A's folder, not B's). The shared sections are dataset plugin sections.
     */
    private static Object normalized(ComponentConfig train, String key, PluginRegistry registry) {
        if (!train.has(key)) return null;
        Object v = train.values().get(key);
        if (v instanceof Map<?, ?>) {
            ComponentConfig section = train.section(key);
            return PathFields.absolute(section, registry.fields(ProviderKind.DATASET, section));
        }
        ConfigField declared = ConfigSections.installed().fields("train").get(key);
        return declared != null && declared.isPath() ? train.path(key).toString() : v;
    }

    private static boolean sameValue(Object x, Object y) {
        if (x instanceof Number n && y instanceof Number m) return n.doubleValue() == m.doubleValue();
        return Objects.equals(x, y);
    }


    private static String show(Object v) {
        return v == null ? "unset" : v instanceof Map<?, ?> m ? m.toString() : String.valueOf(v);
    }

    /** Settings that stay each side's own but change what the figures mean when they differ. */
    static List<String> unsharedDifferences(IrisConfig a, IrisConfig b) {
        List<String> out = new ArrayList<>();
        for (String key : List.of("train.stage", "train.lr", "train.schedule", "train.warmup_steps", "train.optimizer",
                "train.weight_decay", "train.max_grad_norm", "train.prompts", "train.system", "train.max_length",
                "runtime.device", "runtime.threads")) {
            Object av = raw(a, key), bv = raw(b, key);
            if (!sameValue(av, bv)) out.add(key + " (A " + show(av) + ", B " + show(bv) + ")");
        }
        return out;
    }

    private static Object raw(IrisConfig c, String dotted) {
        int dot = dotted.indexOf('.');
        String section = dotted.substring(0, dot), key = dotted.substring(dot + 1);
        if (!c.root().has(section)) return null;
        return c.section(section).values().get(key);
    }

    // ------------------------------------------------------------------ one side

    /** Creates the side's plugins and datasets once (and drops them), naming the side's file in any error. */
    private static void check(IrisConfig cfg, Path file, PluginRegistry registry) {
        try {
            registry.checkConfig(cfg);   // every plugin section's fields, the datasets' too
            try (ModelParts parts = ModelParts.create(cfg, registry)) {
                parts.fusion().imageTokens();
            }
        } catch (IrisException e) {
            throw new IrisException(file + ": " + e.getMessage(), e);
        }
    }

    private static void checkCheckpoint(Path checkpoint, IrisConfig cfg, String option) {
        Optional<Path> trainedFusion = Checkpoint.trainedWeights(checkpoint, option).fusion();
        if (trainedFusion.isEmpty()) return;
        try (WeightSource w = Safetensors.open(trainedFusion.get())) {
            String saved = w.metadata().get(ModelParts.FUSION_TYPE_KEY), wanted = cfg.fusion().type();
            if (saved != null && !saved.equals(wanted)) {
                throw new IrisException(option + " " + checkpoint + " holds a " + saved + " fusion, but its config's model.fusion.type is " + wanted);
            }
        }
    }

    /** How far one side got: its checkpoint once there is one, and the step it was at. */
    static final class Progress {
        final String name;
        final Optional<Path> given;
        Path checkpoint;
        String stage = "training";

        Progress(String name, Optional<Path> given) {
            this.name = name;
            this.given = given;
        }
    }

    /**
     * Saves what was done before a side failed (the finished side's figures, the checkpoints
     * trained) in {@code compare-partial.json} and says how to go on without training again.
     */
    private static IrisException failed(Path out, Options options, Progress a, Side doneA, Progress b, RuntimeException e, PrintWriter log) {
        Progress failing = doneA == null ? a : b;
        String cause = e.getMessage() == null ? e.toString() : e.getMessage();
        Path partial = CompareReport.writePartial(out, options, doneA, a.checkpoint, b.checkpoint, failing.name, failing.stage, cause);
        StringBuilder m = new StringBuilder("compare: side " + failing.name + " failed while " + failing.stage + ": " + cause + ". ");
        List<String> kept = new ArrayList<>();
        if (doneA != null) kept.add("A's figures");
        if (a.checkpoint != null) kept.add("A's checkpoint " + a.checkpoint);
        if (b.checkpoint != null) kept.add("B's checkpoint " + b.checkpoint);
        m.append(kept.isEmpty() ? "Nothing had finished yet" : "Saved in " + partial + ": " + String.join(", ", kept));
        List<String> resume = new ArrayList<>();
        if (a.checkpoint != null && a.given.isEmpty()) resume.add("--checkpoint-a " + a.checkpoint);
        if (b.checkpoint != null && b.given.isEmpty()) resume.add("--checkpoint-b " + b.checkpoint);
        if (!resume.isEmpty()) m.append("; to go on without training again, add ").append(String.join(" ", resume));
        m.append('.');
        log.println("== " + m);
        log.flush();
        return new IrisException(m.toString(), e);
    }

    private static Side side(Progress p, IrisConfig cfg, Path configFile, int limit, PluginRegistry registry,
                             PrintWriter log, Consumer<Trainer.StepInfo> progress) {
        String name = p.name;
        Optional<Path> given = p.given;
        String fusion = cfg.fusion().type();
        Path checkpoint;
        Optional<Long> steps;
        Optional<Double> samplesPerSecond, seconds, finalLoss;
        List<double[]> curve;
        if (given.isPresent()) {
            checkpoint = given.get().toAbsolutePath().normalize();
            p.checkpoint = checkpoint;
            log.printf("== %s (%s): loading %s instead of training%n", name, fusion, checkpoint);
            log.flush();
            Optional<Checkpoint.State> state = Files.exists(checkpoint.resolve(Checkpoint.STATE))
                    ? Optional.of(Checkpoint.readState(checkpoint)) : Optional.empty();
            steps = state.map(Checkpoint.State::step);
            finalLoss = state.map(Checkpoint.State::lastLoss).filter(Double::isFinite);
            long upTo = steps.orElse(Long.MAX_VALUE);
            List<Map<String, Double>> metrics = runMetrics(checkpoint, upTo);
            curve = metrics.stream().map(m -> new double[] {m.get("step"), m.get("loss")}).toList();
            samplesPerSecond = overallSamplesPerSecond(metrics);
            seconds = Optional.empty();
        } else {
            log.printf("== %s (%s): training into %s%n", name, fusion, cfg.train().output());
            log.flush();
            Trainer.Result r = Trainer.train(cfg, registry, Optional.empty(), progress);
            checkpoint = r.finalCheckpoint().toAbsolutePath();
            p.checkpoint = checkpoint;
            steps = Optional.of(r.steps());
            samplesPerSecond = Optional.of(r.samplesPerSecond());
            seconds = Optional.of(r.seconds());
            finalLoss = Optional.of(r.finalLoss());
            curve = RunMetrics.lossCurve(r.runDir());
        }

        p.stage = "evaluating";
        log.printf("== %s (%s): evaluating on the held-out split%n", name, fusion);
        log.flush();
        Path skippedFile = cfg.train().output().toAbsolutePath().resolve(EVAL_SKIPPED_FILE);
        Evaluator.Result eval = Evaluator.evaluate(cfg, registry, checkpoint, limit, Optional.of(skippedFile), n -> {});
        StringBuilder task = new StringBuilder();
        for (Evaluator.TaskScore t : eval.taskScores()) task.append(String.format(Locale.ROOT, ", %s %.1f%%", t.label(), 100 * t.value()));
        log.printf(Locale.ROOT, "   held-out loss %.4f, BLEU-4 %.3f, ROUGE-L %.3f, CIDEr-D %.3f%s (%d examples)%n", eval.heldOutLoss(), eval.bleu4(),
                eval.rougeL(), eval.ciderD(), task, eval.examples());
        if (eval.skipped().count() > 0) {
            log.printf("   held-out rows skipped: %d %s, first ids %s%s%n", eval.skipped().count(), eval.skipped().byReason(), eval.skipped().firstIds(),
                    eval.skippedFile().map(f -> "; all listed in " + f).orElse(""));
        }
        p.stage = "timing generation";
        log.printf("== %s (%s): timing generation and checking text-only prompts%n", name, fusion);
        log.flush();
        IrisConfig trained = Evaluator.withCheckpoint(cfg, checkpoint);
        SideMeasurement.Measured m = SideMeasurement.measure(trained, cfg, registry);
        long params = trainableParameters(checkpoint);

        // the process's figures once this side is done (its models are closed; the high-water mark stays)
        Map<String, Double> status = ProcessMemory.statusMb();
        Optional<Double> peak = Optional.ofNullable(status.get("VmHWM")), rss = Optional.ofNullable(status.get("VmRSS"));
        System.gc();   // so "heap in use" is what stays reachable, not garbage that happens to be uncollected
        Runtime rt = Runtime.getRuntime();
        double heap = (rt.totalMemory() - rt.freeMemory()) / MB;

        return new Side(name, fusion, fusionSettings(cfg), configFile, given.isEmpty(), checkpoint, steps, samplesPerSecond, seconds, finalLoss,
                eval.examples(), eval.heldOutLoss(), eval.perplexity(), eval.bleu4(), eval.rougeL(), eval.ciderD(), eval.taskScores(), eval.skipped(),
                m.imageTokens(), m.readsImageEveryStep(), m.promptTokensWithImage(), params, m.imageEncodeMs(), m.prefillMs(), m.decodeMsPerToken(),
                peak, rss, heap, m.textOnlyEqualsBase(), curve);
    }

    /** What tells two variants of one fusion type apart. */
    private static String fusionSettings(IrisConfig cfg) {
        List<String> kv = new ArrayList<>();
        cfg.fusion().values().forEach((k, v) -> {
            if (!k.equals("type") && !k.equals("weights") && v != null) kv.add(k + ": " + v);
        });
        return kv.isEmpty() ? "(defaults)" : String.join(", ", kv);
    }

    /** Elements of the tensors the checkpoint trained: its fusion.safetensors and llm.safetensors. */
    static long trainableParameters(Path checkpoint) {
        long n = 0;
        for (Path f : Checkpoint.trainedWeights(checkpoint, "checkpoint").files()) {
            try (WeightSource w = Safetensors.open(f)) {
                for (String name : w.names()) {
                    n += Arrays.stream(w.info(name).orElseThrow().shape()).reduce(1, (x, y) -> x * y);
                }
            }
        }
        return n;
    }

    /**
     * The metrics of the run a checkpoint belongs to ({@code RUN/final} or {@code RUN/checkpoints/step-N}),
     * up to its step; empty when it is not inside a run folder.
     */
    private static List<Map<String, Double>> runMetrics(Path checkpoint, long upTo) {
        Path parent = checkpoint.getParent();
        for (Path run : new Path[] {parent, parent == null ? null : parent.getParent()}) {
            if (run == null || !Files.isRegularFile(RunMetrics.file(run))) continue;
            List<Map<String, Double>> out = new ArrayList<>();
            for (var n : RunMetrics.read(run)) {
                if (n.get("step").asLong() > upTo) continue;
                out.add(Map.of("step", n.get("step").asDouble(), "loss", n.get("loss").asDouble(),
                        "samples_per_s", n.path("samples_per_s").asDouble(Double.NaN)));
            }
            return out;
        }
        return List.of();
    }

    /** Samples over seconds across all steps, as Trainer reports it: every step trains the same number of samples, so the harmonic mean. */
    private static Optional<Double> overallSamplesPerSecond(List<Map<String, Double>> metrics) {
        double inverse = 0;
        int n = 0;
        for (Map<String, Double> m : metrics) {
            double sps = m.get("samples_per_s");
            if (!(sps > 0) || !Double.isFinite(sps)) continue;
            inverse += 1 / sps;
            n++;
        }
        return n == 0 ? Optional.empty() : Optional.of(n / inverse);
    }

}
