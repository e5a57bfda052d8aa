package dev.iris.cli.quickstart;

import dev.iris.evaluation.Evaluator;
import dev.iris.training.Checkpoint;
import dev.iris.training.RunMetrics;
import dev.iris.training.Trainer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.api.IrisException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.datasets.ShapesGenerator;
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
 * the tiny LLM its language, stage 1 with everything but the projector frozen, stage 2 only
 * when stage 1 alone misses the target, and an evaluation on the held-out split after each
 * image stage.
 */
public final class Quickstart {
    public static final double TARGET = 0.90;
    /** The task metric the shapes dataset declares, which the quickstart's target is about. */
    public static final String ACCURACY = "shapes_accuracy";

    /** Sizes and step budgets; the defaults are what the quickstart runs. */
    public record Plan(int trainImages, int heldoutImages, int lmSteps, int pretrainSteps, int finetuneSteps, int batchSize,
                       double lmLr, double pretrainLr, double finetuneLr, int threads) {
        public static final Plan DEFAULT = new Plan(2000, 200, 200, 300, 5000, 16, 3e-3, 1e-2, 3e-3, 2);
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
        if (!Files.exists(models.resolve("iris.yaml"))) {
            out.println("== making tiny models (iris init --preset tiny)");
            ModelInit.write(registry, "tiny", models, 0);
        }
        if (!Files.exists(data.resolve(ShapesGenerator.HELDOUT_FILE))) {
            out.printf("== writing %d + %d synthetic shapes images%n", plan.trainImages(), plan.heldoutImages());
            ShapesGenerator.write(data, plan.trainImages(), plan.heldoutImages(), 64, 0);
        }
        out.flush();
        IrisConfig base = baseConfig(runDir, plan);
        List<StageResult> stages = new ArrayList<>();
        Map<String, List<double[]>> curves = new LinkedHashMap<>();

        out.println("== stage lm: the tiny LLM learns the captions' language (text only)");
        Trainer.Result lm = Trainer.train(base.with(List.of("train.stage=lm", "train.steps=" + plan.lmSteps(), "train.lr=" + plan.lmLr(),
                "train.output=" + runDir.resolve("lm").toAbsolutePath())), registry, Optional.empty(), progress);
        stages.add(new StageResult("lm", lm.steps(), lm.seconds(), lm.samplesPerSecond(), lm.finalLoss(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        curves.put("stage lm", RunMetrics.lossCurve(lm.runDir()));
        String llmWeights = "model.llm.weights=" + lm.finalCheckpoint().resolve(Checkpoint.LLM_WEIGHTS).toAbsolutePath();

        out.println("== stage 1 (pretrain): only the projector trains");
        IrisConfig stage1 = base.with(List.of(llmWeights, "train.stage=pretrain", "train.steps=" + plan.pretrainSteps(),
                "train.lr=" + plan.pretrainLr(), "train.output=" + runDir.resolve("pretrain").toAbsolutePath()));
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
            IrisConfig stage2 = base.with(List.of(llmWeights,
                    "model.fusion.weights=" + pre.finalCheckpoint().resolve(Checkpoint.FUSION_WEIGHTS).toAbsolutePath(),
                    "train.stage=finetune", "train.steps=" + plan.finetuneSteps(), "train.lr=" + plan.finetuneLr(),
                    "train.output=" + runDir.resolve("finetune").toAbsolutePath()));
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

    static IrisConfig baseConfig(Path runDir, Plan plan) {
        String yaml = """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: %d }
                train:
                  dataset:      { type: parquet, path: data/train.parquet }
                  eval_dataset: { type: shapes, path: data, split: heldout, train_count: %d, heldout_count: %d, image_size: 64, seed: 0 }
                  prompts: ["Describe the image."]
                  optimizer: adamw
                  schedule: cosine
                  warmup_steps: 50
                  max_grad_norm: 1.0
                  batch_size: %d
                  grad_accum: 1
                  save_every: 1000
                  log_every: 50
                  seed: 0
                  output: lm
                """.formatted(plan.threads(), plan.trainImages(), plan.heldoutImages(), plan.batchSize());
        return new ConfigLoader().parse(yaml, "quickstart", runDir.toAbsolutePath(), List.of());
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
