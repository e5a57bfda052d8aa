package dev.iris.plugins.train;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.data.ShapesCaptions;
import dev.iris.plugins.eval.CaptionMetrics;
import dev.iris.plugins.eval.Perplexity;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.WeightBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * {@code iris eval}: a checkpoint on the held-out split. Held-out loss (the training loss,
 * forward only) and perplexity; captions generated greedily and scored with BLEU-4 and
 * ROUGE-L; for the synthetic shapes, the share of images whose colour, shape and position are
 * all named correctly.
 */
public final class Evaluator {
    private Evaluator() {}

    /** One generated caption with its reference. */
    public record Caption(String id, String reference, String generated, boolean fullyCorrect) {}

    /**
     * @param shapesAccuracy share fully correct, when every reference is a shapes caption; else empty
     */
    public record Result(Path checkpoint, int examples, double heldOutLoss, double perplexity, double bleu4, double rougeL,
                         Optional<Double> shapesAccuracy, List<Caption> captions, double seconds) {}

    /** The config with a checkpoint's trained weights in place of the model's. */
    public static IrisConfig withCheckpoint(IrisConfig config, Path checkpoint) {
        if (!Files.isDirectory(checkpoint)) throw new IrisException("--checkpoint " + checkpoint + " is not a folder");
        List<String> set = new ArrayList<>();
        Path fusion = checkpoint.resolve("fusion.safetensors"), llm = checkpoint.resolve("llm.safetensors");
        if (Files.exists(fusion)) set.add("model.fusion.weights=" + fusion.toAbsolutePath());
        if (Files.exists(llm)) set.add("model.llm.weights=" + llm.toAbsolutePath());
        if (set.isEmpty()) throw new IrisException("--checkpoint " + checkpoint + " holds no fusion.safetensors or llm.safetensors");
        return config.with(set);
    }

    /** The held-out dataset: {@code train.eval_dataset}. */
    static Dataset heldOut(IrisConfig config, PluginRegistry registry) {
        TrainConfig tc = config.train();
        ComponentConfig section = tc.evalDataset().orElseThrow(() -> new IrisException(
                "train.eval_dataset is not set: name the held-out split, e.g. { type: parquet, path: data/shapes/heldout.parquet }"));
        return Trainer.openDataset(registry, section);
    }

    /**
     * @param limit at most this many held-out examples (0 = all)
     */
    public static Result evaluate(IrisConfig base, PluginRegistry registry, Path checkpoint, int limit, IntConsumer progress) {
        long t0 = System.nanoTime();
        IrisConfig config = withCheckpoint(base, checkpoint);
        TrainConfig tc = config.train();
        boolean images = TrainingGraph.usesImages(tc.stage());
        Dataset dataset = heldOut(config, registry);
        List<Dataset.Example> examples = new ArrayList<>();
        try (Dataset.Examples ex = dataset.open()) {
            while (ex.hasNext() && (limit <= 0 || examples.size() < limit)) examples.add(ex.next());
        }
        if (examples.isEmpty()) throw new IrisException("train.eval_dataset: " + dataset.describe() + " has no usable examples");
        String instruction = tc.prompts().orElse(LlavaPrompts.DETAILED).get(0);
        double loss = heldOutLoss(config, registry, examples, images, instruction);

        List<Caption> captions = new ArrayList<>();
        GenerateConfig greedy = new GenerateConfig(tc.system(), 48, 0.0, 0, 1.0, 1.0, 0);
        try (VisionLanguageModel model = VisionLanguageModel.load(config, registry)) {
            for (Dataset.Example e : examples) {
                GenerationResult r = model.generate(images ? Optional.of(e.image()) : Optional.empty(), "image of row " + e.id(),
                        instruction, greedy, s -> {});
                String text = r.text().strip();
                captions.add(new Caption(e.id(), e.caption(), text, ShapesCaptions.fullyCorrect(text, e.caption())));
                progress.accept(captions.size());
            }
        }
        CaptionMetrics.Scores scores = new CaptionMetrics().score(
                captions.stream().map(Caption::generated).toList(), captions.stream().map(Caption::reference).toList());
        boolean shapes = captions.stream().allMatch(c -> ShapesCaptions.parse(c.reference()).isPresent());
        Optional<Double> accuracy = shapes
                ? Optional.of(captions.stream().filter(Caption::fullyCorrect).count() / (double) captions.size()) : Optional.empty();
        return new Result(checkpoint, captions.size(), loss, Perplexity.of(loss), scores.bleu4(), scores.rougeL(), accuracy, captions,
                (System.nanoTime() - t0) / 1e9);
    }

    /** The mean cross-entropy over all labelled tokens of the held-out examples, with the training graph run forward. */
    private static double heldOutLoss(IrisConfig config, PluginRegistry registry, List<Dataset.Example> examples, boolean images,
                                      String instruction) {
        TrainConfig tc = config.train();
        try (ModelParts parts = ModelParts.create(config, registry)) {
            OrtRuntime runtime = new OrtRuntime(config.runtime().device(), config.runtime().threads());
            Graph graph = TrainingGraph.build(parts.llm(), parts.fusion(), images, parts.vision().tokens(), parts.vision().hiddenSize());
            CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of());
            int imageTokens = images ? parts.fusion().imageTokens() : 0;
            SampleBuilder builder = new SampleBuilder(parts.llm().chatTemplate(), parts.llm().tokenizer(), imageTokens, tc.system(),
                    List.of(instruction), tc.maxLength());
            long padId = parts.llm().tokenizer().tokenId(parts.llm().chatTemplate().imagePadToken()).orElseThrow();
            FeatureCache cache = null;
            try (GraphSession session = runtime.open(cg, new WeightBinder(parts.sources(graph), tc.seed()).bind(graph, cg.frozen().keySet(), DType.F32))) {
                if (images) cache = FeatureCache.forRun(config, parts, runtime);
                double sum = 0;
                long tokens = 0;
                for (int i = 0; i < examples.size(); i += tc.batchSize()) {
                    List<Sample> samples = new ArrayList<>();
                    List<Tensor> feats = new ArrayList<>();
                    for (Dataset.Example e : examples.subList(i, Math.min(examples.size(), i + tc.batchSize()))) {
                        samples.add(builder.build(e.id(), e.caption(), images ? e.image() : null, new Random(0)));
                        if (images) {
                            String key = FeatureCache.key(e.image());
                            Tensor f = cache.cached(key);
                            feats.add(f != null ? f : cache.compute(List.of(parts.vision().preprocess(e.image(), "image of row " + e.id())), List.of(key)).get(0));
                        }
                    }
                    Batch b = Batch.of(samples, images ? feats : null, imageTokens, padId);
                    double l = session.run(b.feeds(), List.of(TrainingGraph.LOSS)).get(TrainingGraph.LOSS).getDouble(0);
                    sum += l * b.labelled();
                    tokens += b.labelled();
                }
                return sum / tokens;
            } finally {
                if (cache != null) cache.close();
            }
        }
    }
}
