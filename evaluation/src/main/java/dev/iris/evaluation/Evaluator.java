package dev.iris.evaluation;

import dev.iris.training.Batch;
import dev.iris.training.Checkpoint;
import dev.iris.training.FeatureCache;
import dev.iris.training.ImageFeatures;
import dev.iris.training.LlavaPrompts;
import dev.iris.training.Sample;
import dev.iris.training.SampleBuilder;
import dev.iris.training.SamplePreparer;
import dev.iris.training.SampleSkips;
import dev.iris.training.Trainer;
import dev.iris.training.TrainingGraph;
import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.ConfigEdit;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.evaluation.CaptionMetrics;
import dev.iris.evaluation.CiderD;
import dev.iris.evaluation.Perplexity;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * {@code iris eval}: a checkpoint on the held-out split. For every dataset: held-out loss (the
 * training loss, forward only, over the answers' tokens) and perplexity, and answers generated
 * greedily and scored with BLEU-4, ROUGE-L and CIDEr-D: a caption for each caption example, and
 * for a conversation each assistant turn given the real history (the turns before it as the data
 * has them). Metrics a dataset declares for its own captions (its task
 * metrics, e.g. the shapes accuracy) are reported beside them. Rows that cannot be evaluated are
 * skipped and listed exactly as training skips them.
 */
public final class Evaluator {
    private Evaluator() {}

    /**
     * One generated answer with its reference, and its score under each task metric that could
     * judge it. {@code id} is the example's id, with {@code #k} for the k-th answer of a conversation.
     */
    public record Caption(String id, String reference, String generated, Map<String, Double> taskScores) {}

    /**
     * A dataset's own metric over the held-out captions.
     *
     * @param value  the mean over the captions it could judge
     * @param judged how many it could judge
     */
    public record TaskScore(String key, String label, double value, int judged) {}

    /**
     * @param examples   held-out examples evaluated (usable ones); {@code captions} has one entry per answer
     * @param taskScores the dataset's task metrics that could judge at least one caption
     * @param skipped    rows left out, each id once, by reason
     * @param skippedFile every skipped row with its reason, when one was skipped and a file was asked for
     */
    public record Result(Path checkpoint, int examples, double heldOutLoss, double perplexity, double bleu4, double rougeL, double ciderD,
                         List<TaskScore> taskScores, List<Caption> captions, Dataset.Skips skipped, Optional<Path> skippedFile,
                         double seconds) {
        /** The value of the task metric {@code key}, when the dataset declared it and it judged a caption. */
        public Optional<Double> taskScore(String key) {
            return taskScores.stream().filter(t -> t.key().equals(key)).findFirst().map(TaskScore::value);
        }
    }

    /** The config with a checkpoint's trained weights in place of the model's. */
    public static IrisConfig withCheckpoint(IrisConfig config, Path checkpoint) {
        Checkpoint.TrainedWeights trained = Checkpoint.trainedWeights(checkpoint, "--checkpoint");
        ConfigEdit edit = config.edit();
        trained.fusion().ifPresent(fusion -> edit.fusionWeights(Optional.of(fusion)));
        trained.llm().ifPresent(edit::llmWeights);
        trained.adapter().ifPresent(edit::llmAdapter);
        return edit.done();
    }

    /** The held-out dataset: {@code train.eval_dataset}. */
    public static Dataset heldOut(IrisConfig config, PluginRegistry registry) {
        TrainConfig tc = config.train();
        ComponentConfig section = tc.evalDataset().orElseThrow(() -> new IrisException(
                "train.eval_dataset is not set: give the held-out split as a dataset section, e.g. { type: <dataset plugin>, path: <its files> } (iris plugins lists the dataset types)"));
        return Trainer.openDataset(registry, section);
    }

    /**
     * @param limit at most this many held-out examples (0 = all)
     */
    public static Result evaluate(IrisConfig base, PluginRegistry registry, Path checkpoint, int limit, IntConsumer progress) {
        return evaluate(base, registry, checkpoint, limit, Optional.empty(), progress);
    }

    /**
     * @param limit       at most this many usable held-out examples (0 = all)
     * @param skippedFile where to list the skipped rows (written only when a row is skipped)
     */
    public static Result evaluate(IrisConfig base, PluginRegistry registry, Path checkpoint, int limit, Optional<Path> skippedFile,
                                  IntConsumer progress) {
        long t0 = System.nanoTime();
        registry.checkConfig(base);
        IrisConfig config = withCheckpoint(base, checkpoint);
        TrainConfig tc = config.train();
        boolean images = TrainingGraph.usesImages(tc.stage());
        Dataset dataset = heldOut(config, registry);
        String instruction = tc.prompts().orElse(LlavaPrompts.DETAILED).get(0);
        try (SampleSkips skips = skippedFile.map(f -> SampleSkips.writingTo(f, false)).orElseGet(SampleSkips::inMemory)) {
            Prepared prepared = prepareAndScoreLoss(config, registry, dataset, limit, images, instruction, skips);
            List<Dataset.Example> examples = prepared.examples();
            List<Dataset.TaskMetric> metrics = dataset.taskMetrics();
            List<Caption> captions = new ArrayList<>();
            GenerateConfig greedy = GenerateConfig.defaults().withSystem(tc.system()).withMaxNewTokens(48);
            try (VisionLanguageModel model = VisionLanguageModel.load(config, registry)) {
                int done = 0;
                for (Dataset.Example e : examples) {
                    List<byte[]> exImages = images ? e.images() : List.of();
                    SampleBuilder.Rendered r = prepared.builder().render(e, instruction, !exImages.isEmpty(), new Random(0));
                    for (int k = 0; k < r.answers().size(); k++) {
                        int a = r.answers().get(k);
                        // the history as the data has it; an image goes with its turn once that turn is in the prompt
                        List<VisionLanguageModel.Image> seen = new ArrayList<>();
                        for (int i = 0; i < exImages.size(); i++) {
                            int m = r.imageMessages().get(i);
                            String name = exImages.size() == 1 ? "image of row " + e.id() : "image " + (i + 1) + " of row " + e.id();
                            if (m < a) seen.add(new VisionLanguageModel.Image(exImages.get(i), name, m));
                        }
                        VisionLanguageModel.Request request = new VisionLanguageModel.Request(r.messages().subList(0, a), seen);
                        String text = model.generate(request, greedy, s -> {}, false).text().strip();
                        String reference = r.messages().get(a).content();
                        Map<String, Double> scores = new LinkedHashMap<>();
                        for (Dataset.TaskMetric m : metrics) m.score(text, reference).ifPresent(v -> scores.put(m.key(), v));
                        captions.add(new Caption(r.answers().size() == 1 ? e.id() : e.id() + "#" + (k + 1), reference, text, scores));
                    }
                    progress.accept(++done);
                }
            }
            List<String> generated = captions.stream().map(Caption::generated).toList();
            List<String> references = captions.stream().map(Caption::reference).toList();
            CaptionMetrics.Scores scores = new CaptionMetrics().score(generated, references);
            double cider = CiderD.score(generated, references).corpus();
            return new Result(checkpoint, examples.size(), prepared.loss(), Perplexity.of(prepared.loss()), scores.bleu4(), scores.rougeL(),
                    cider, taskScores(metrics, captions), captions, skips.all(), skips.file(), (System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<TaskScore> taskScores(List<Dataset.TaskMetric> metrics, List<Caption> captions) {
        List<TaskScore> out = new ArrayList<>();
        for (Dataset.TaskMetric m : metrics) {
            double sum = 0;
            int judged = 0;
            for (Caption c : captions) {
                Double v = c.taskScores().get(m.key());
                if (v == null) continue;
                sum += v;
                judged++;
            }
            if (judged > 0) out.add(new TaskScore(m.key(), m.label(), sum / judged, judged));
        }
        return List.copyOf(out);
    }

    /** The usable held-out examples (in dataset order), their mean loss, and the builder that made their samples. */
    private record Prepared(List<Dataset.Example> examples, double loss, SampleBuilder builder) {}

    /**
     * Reads the held-out split up to {@code limit} usable examples, turning each into a sample as
     * training does (same skips), and runs the training graph forward on them: the mean
     * cross-entropy over all labelled tokens.
     */
    private static Prepared prepareAndScoreLoss(IrisConfig config, PluginRegistry registry, Dataset dataset, int limit, boolean images,
                                                String instruction, SampleSkips skips) {
        TrainConfig tc = config.train();
        try (ModelParts parts = ModelParts.create(config, registry)) {
            OrtRuntime runtime = new OrtRuntime(config.runtime().device(), config.runtime().threads());
            Graph graph = TrainingGraph.build(parts.llm(), parts.fusion(), images, parts.vision().hiddenSize());
            SessionFactory sessions = new SessionFactory(runtime, parts.sources(), tc.seed());
            SampleBuilder builder = SampleBuilder.of(parts.llm(), parts.fusion(), images, tc.system(), List.of(instruction), tc.maxLength());
            int imageTokens = builder.imagePositions().count();
            long padId = builder.imagePositions().tokenId();
            FeatureCache cache = images ? FeatureCache.forRun(config, parts, sessions) : null;
            List<Dataset.Example> usable = new ArrayList<>();
            double sum = 0;
            long tokens = 0;
            try (GraphSession session = sessions.open(parts.adapt(graph));
                 SamplePreparer preparer = new SamplePreparer(builder, cache, skips);
                 Dataset.Examples rows = dataset.open()) {
                boolean more = true;
                while (more && (limit <= 0 || usable.size() < limit)) {
                    List<Sample> samples = new ArrayList<>();
                    Map<Sample, Dataset.Example> from = new IdentityHashMap<>();
                    while (samples.size() < tc.batchSize() && (limit <= 0 || usable.size() + samples.size() < limit)) {
                        more = rows.hasNext();
                        skips.datasetSkipped(rows.drainSkipped());
                        if (!more) break;
                        Dataset.Example e = rows.next();
                        Sample s = preparer.sample(e, new Random(0));
                        if (s != null) {
                            samples.add(s);
                            from.put(s, e);
                        }
                    }
                    ImageFeatures feats = preparer.features(samples);
                    if (samples.isEmpty()) continue;
                    Batch b = Batch.of(samples, feats, imageTokens, padId);
                    double l = session.run(b.feeds(), List.of(TrainingGraph.LOSS)).get(TrainingGraph.LOSS).getDouble(0);
                    sum += l * b.labelled();
                    tokens += b.labelled();
                    for (Sample s : samples) usable.add(from.get(s));
                }
            } finally {
                if (cache != null) cache.close();
            }
            if (usable.isEmpty()) {
                throw new IrisException("train.eval_dataset: " + dataset.describe() + " has no usable examples; " + skips.summary());
            }
            return new Prepared(List.copyOf(usable), sum / tokens, builder);
        }
    }
}
