package dev.iris.cli.quickstart;

import dev.iris.evaluation.Evaluator;
import dev.iris.training.Checkpoint;
import dev.iris.training.RunMetrics;
import dev.iris.training.Trainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.api.IrisException;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.datasets.ParquetDatasetProvider;
import dev.iris.datasets.ShapesDatasetProvider;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.config.TrainConfig.Stage;
import dev.iris.api.spi.ModelPreset;
import dev.iris.training.LossChart;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The embedded default main job: tiny models, synthetic shapes, a text-only stage that gives
 * the tiny LLM its language and teaches it to read its prompt (the caption's words, shuffled,
 * stand where the image will be, and it writes the caption from them), stage 1 with everything
 * but the projector frozen, stage 2 only when stage 1 alone misses the target, and an
 * evaluation on the held-out split after each image stage.
 */
public final class Quickstart {
    public static final double TARGET = 0.90;
    /** The task metric the shapes dataset declares, which the quickstart's target is about. */
    public static final String ACCURACY = "shapes_accuracy";
    /** The model preset the quickstart trains. */
    public static final String PRESET = "tiny";
    /** Side of the synthetic images in pixels. */
    static final int IMAGE_SIZE = 64;

    /** Sizes and step budgets; the defaults are what the quickstart runs. */
    public record Plan(int trainImages, int heldoutImages, int lmSteps, int pretrainSteps, int finetuneSteps, int batchSize,
                       double lmLr, double pretrainLr, double finetuneLr, int threads) {
        public static final Plan DEFAULT = new Plan(2000, 200, 2000, 3000, 3000, 16, 5e-3, 1e-2, 3e-3, 2);
    }

    /** One stage's outcome: accuracy is empty for the text-only stage. */
    public record StageResult(String stage, long steps, double seconds, double samplesPerSecond, double finalTrainLoss,
                              Optional<Double> heldOutLoss, Optional<Double> accuracy, Optional<Double> bleu4, Optional<Double> rougeL) {}

    public record Summary(Path runDir, List<StageResult> stages, boolean reachedTarget, boolean usedStage2, double seconds,
                          List<Evaluator.Caption> examples, Path lossPicture) {}

    private Quickstart() {}

    public static Summary run(PluginRegistry registry, Path runDir, Plan plan, PrintWriter out, Consumer<Trainer.StepInfo> progress) {
        long t0 = System.nanoTime();
        Path models = runDir.resolve("models"), data = runDir.resolve("data");
        ModelPreset preset = preset(registry);
        if (!Files.exists(models.resolve(ModelInit.CONFIG_FILE))) {
            out.println("== making tiny models (iris init --preset " + PRESET + ")");
            ModelInit.write(registry, PRESET, models, 0);
        }
        if (!Files.exists(data.resolve(ShapesGenerator.HELDOUT_FILE))) {
            out.printf("== writing %d + %d synthetic shapes images%n", plan.trainImages(), plan.heldoutImages());
            ShapesGenerator.write(data, plan.trainImages(), plan.heldoutImages(), IMAGE_SIZE, 0);
        }
        out.flush();
        IrisConfig base = baseConfig(runDir, plan, preset);
        List<StageResult> stages = new ArrayList<>();
        Map<String, List<double[]>> curves = new LinkedHashMap<>();

        out.println("== stage lm: the tiny LLM learns to write the caption from its words, shuffled in the prompt (text only)");
        // the caption's words, shuffled, stand in the prompt where the image will be: the LLM learns to read its prompt
        Trainer.Result lm = Trainer.train(base.edit().trainStage(Stage.LM).trainSteps(plan.lmSteps()).trainLr(plan.lmLr())
                .set("train.lm_context", "caption_words").trainOutput(runDir.resolve("lm")).done(), registry, Optional.empty(), progress);
        stages.add(new StageResult("lm", lm.steps(), lm.seconds(), lm.samplesPerSecond(), lm.finalLoss(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        curves.put("stage lm", RunMetrics.lossCurve(lm.runDir()));
        Path llmWeights = lm.finalCheckpoint().resolve(Checkpoint.LLM_WEIGHTS);

        out.println("== stage 1 (pretrain): only the projector trains");
        IrisConfig stage1 = base.edit().llmWeights(llmWeights).trainStage(Stage.PRETRAIN).trainSteps(plan.pretrainSteps())
                .trainLr(plan.pretrainLr()).trainOutput(runDir.resolve("pretrain")).done();
        Trainer.Result pre = Trainer.train(stage1, registry, Optional.empty(), progress);
        curves.put("stage 1", offset(RunMetrics.lossCurve(pre.runDir()), lm.steps()));
        Evaluator.Result e1 = evaluate(stage1, registry, pre, out);
        stages.add(stage("pretrain", pre, e1));
        Evaluator.Result last = e1;
        boolean usedStage2 = false;
        if (e1.taskScore(ACCURACY).orElse(0.0) < TARGET) {
            usedStage2 = true;
            out.printf("== stage 2 (finetune): stage 1 reached %.1f%% < %.0f%%, so the projector and the LLM train together%n",
                    100 * e1.taskScore(ACCURACY).orElse(0.0), 100 * TARGET);
            IrisConfig stage2 = base.edit().llmWeights(llmWeights)
                    .fusionWeights(Optional.of(pre.finalCheckpoint().resolve(Checkpoint.FUSION_WEIGHTS)))
                    .trainStage(Stage.FINETUNE).trainSteps(plan.finetuneSteps()).trainLr(plan.finetuneLr())
                    .trainOutput(runDir.resolve("finetune")).done();
            Trainer.Result fin = Trainer.train(stage2, registry, Optional.empty(), progress);
            curves.put("stage 2", offset(RunMetrics.lossCurve(fin.runDir()), lm.steps() + pre.steps()));
            last = evaluate(stage2, registry, fin, out);
            stages.add(stage("finetune", fin, last));
        }
        Path picture = runDir.resolve("loss-curve.png");
        try {
            LossChart.write(picture, "Quickstart training loss", curves);
        } catch (IOException e) {
            throw new IrisException("cannot write " + picture + ": " + e.getMessage(), e);
        }
        boolean reached = last.taskScore(ACCURACY).orElse(0.0) >= TARGET;
        Summary s = new Summary(runDir, stages, reached, usedStage2, (System.nanoTime() - t0) / 1e9,
                last.captions().subList(0, Math.min(5, last.captions().size())), picture);
        writeSummary(s);
        return s;
    }

    private static Evaluator.Result evaluate(IrisConfig cfg, PluginRegistry registry, Trainer.Result run, PrintWriter out) {
        Evaluator.Result r = Evaluator.evaluate(cfg, registry, run.finalCheckpoint(), 0, n -> {});
        out.printf("   held-out: %.1f%% fully correct, loss %.4f, BLEU-4 %.3f, ROUGE-L %.3f (%d images)%n",
                100 * r.taskScore(ACCURACY).orElse(0.0), r.heldOutLoss(), r.bleu4(), r.rougeL(), r.examples());
        out.flush();
        return r;
    }

    private static StageResult stage(String name, Trainer.Result t, Evaluator.Result e) {
        return new StageResult(name, t.steps(), t.seconds(), t.samplesPerSecond(), t.finalLoss(), Optional.of(e.heldOutLoss()),
                e.taskScore(ACCURACY), Optional.of(e.bleu4()), Optional.of(e.rougeL()));
    }

    /** The model preset the quickstart trains, as an installed plugin declares it. */
    static ModelPreset preset(PluginRegistry registry) {
        return ModelInit.modelPreset(registry, PRESET).orElseThrow(() -> new IrisException(
                "the quickstart needs the model preset '" + PRESET + "', which no installed plugin declares (presets: "
                        + ModelInit.presets(registry).keySet() + ")"));
    }

    /** {@link #baseConfig(Path, Plan, ModelPreset)} of the installed preset. */
    static IrisConfig baseConfig(Path runDir, Plan plan, PluginRegistry registry) {
        return baseConfig(runDir, plan, preset(registry));
    }

    /**
     * The preset's model in {@code runDir/models}, trained on the shapes' train split and evaluated on
     * their held-out split; each stage sets its own stage, budget, rate and run folder.
     */
    static IrisConfig baseConfig(Path runDir, Plan plan, ModelPreset preset) {
        Path models = runDir.resolve("models"), data = runDir.resolve("data");
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("dataset", ParquetDatasetProvider.section(data.resolve(ShapesGenerator.TRAIN_FILE)));
        train.put("eval_dataset", ShapesDatasetProvider.section(data, "heldout", plan.trainImages(), plan.heldoutImages(), IMAGE_SIZE, 0));
        train.put("prompts", List.of("Describe the image."));
        train.put("optimizer", "adamw");
        train.put("schedule", "cosine");
        train.put("warmup_steps", 50);
        train.put("max_grad_norm", 1.0);
        train.put("batch_size", plan.batchSize());
        train.put("grad_accum", 1);
        train.put("save_every", 1000);
        train.put("log_every", 50);
        train.put("seed", 0);
        return IrisConfig.empty("quickstart", runDir).edit()
                .set("model", ModelInit.modelSection(preset, models.resolve("vision").toAbsolutePath(), models.resolve("llm").toAbsolutePath()))
                .set("runtime", Map.of("device", "cpu"))
                .runtimeThreads(plan.threads())
                .set("train", train)
                .trainOutput(runDir.resolve("lm"))
                .done();
    }

    private static List<double[]> offset(List<double[]> points, long by) {
        return points.stream().map(p -> new double[] {p[0] + by, p[1]}).toList();
    }

    private static void writeSummary(Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reached_target", s.reachedTarget());
        m.put("target", TARGET);
        m.put("used_stage2", s.usedStage2());
        m.put("seconds", s.seconds());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageResult r : s.stages()) {
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("stage", r.stage());
            st.put("steps", r.steps());
            st.put("seconds", r.seconds());
            st.put("train_samples_per_s", r.samplesPerSecond());
            st.put("final_train_loss", r.finalTrainLoss());
            r.heldOutLoss().ifPresent(v -> st.put("heldout_loss", v));
            r.accuracy().ifPresent(v -> st.put("accuracy", v));
            r.bleu4().ifPresent(v -> st.put("bleu4", v));
            r.rougeL().ifPresent(v -> st.put("rouge_l", v));
            stages.add(st);
        }
        m.put("stages", stages);
        m.put("examples", s.examples());
        m.put("loss_picture", s.lossPicture().toString());
        try {
            Files.writeString(s.runDir().resolve("summary.json"),
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } catch (IOException e) {
            throw new IrisException("cannot write summary.json: " + e.getMessage(), e);
        }
    }
}
