package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelParts;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.runtime.train.AdamW;
import dev.iris.runtime.train.Optimizer;
import dev.iris.runtime.train.Params;
import dev.iris.runtime.train.Sgd;
import dev.iris.runtime.train.TrainableGraph;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.iris.api.config.ComponentConfig;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.weights.NonFinite;
import dev.iris.runtime.graph.LoraRewrite;
import java.time.Duration;

/**
 * {@code iris train}: builds the training graph from the plugins' descriptions, differentiates
 * it for the stage's trainable groups, and runs AdamW or SGD with warmup and a schedule,
 * gradient accumulation and clipping. Data is read, tokenized and its images encoded (once:
 * features are cached) on a producer thread ahead of the compute. Checkpoints are atomic and a
 * resumed run reaches the same weights as an uninterrupted one.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** One optimizer step's figures, for progress displays. */
    public record StepInfo(long step, long totalSteps, double loss, double lr, double gradNorm, double samplesPerSecond, int epoch) {}

    /**
     * What a run produced.
     *
     * @param datasetSkips rows the dataset skipped, each id once
     * @param sampleSkips  examples dropped here (undecodable image, prompt too long), by reason, each id once
     * @param truncated    samples that lost turns or answer tokens to {@code train.max_length} (each time they were read)
     * @param turnsDropped whole trailing turns those samples lost (each time they were read)
     * @param skippedFile  every skipped row with its reason ({@link SampleSkips#FILE} in the run folder), when any was skipped
     */
    public record Result(Path runDir, long steps, double finalLoss, double samplesPerSecond, Path finalCheckpoint,
                         Dataset.Skips datasetSkips, Map<String, Long> sampleSkips, long truncated, long turnsDropped, double seconds,
                         Optional<Path> skippedFile) {}

    private Trainer() {}

    public static Result train(IrisConfig config, PluginRegistry registry, Optional<Path> resumeFrom, Consumer<StepInfo> listener) {
        registry.checkConfig(config); // a typo in a plugin section (eval_dataset too) fails before any work
        TrainConfig tc = config.train();
        if (tc.lmContext() != TrainConfig.LmContext.NONE && tc.stage() != TrainConfig.Stage.LM) {
            throw new IrisException("train.lm_context: " + tc.lmContext().name().toLowerCase() + " is for stage lm only, found stage "
                    + tc.stage().name().toLowerCase());
        }
        Path runDir = tc.output();
        long start = System.nanoTime();
        try (ModelParts parts = ModelParts.create(config, registry)) {
            boolean images = TrainingGraph.usesImages(tc.stage());
            CompiledGraph.Quantization base = BaseWeights.forTraining(config);   // refused before any work
            OrtRuntime runtime = new OrtRuntime(config.runtime().device(), config.runtime().threads());
            Graph plain = TrainingGraph.build(parts.llm(), parts.fusion(), images, parts.vision().hiddenSize());
            Optional<LoraRewrite.Spec> lora = LoraTraining.resolve(plain, LoraTraining.spec(config));
            Graph graph = LoraTraining.adapt(plain, lora, tc.lora().map(l -> l.dropout()).orElse(0.0));
            Optional<LoraDropout> dropout = LoraTraining.dropout(graph, tc);
            List<String> groups = LoraTraining.trainableGroups(tc.stage(), lora);
            List<String> trainable = graph.weights().keySet().stream().filter(q -> groups.contains(q.substring(0, q.indexOf('/')))).toList();
            if (trainable.isEmpty()) throw new IrisException("train.stage " + tc.stage() + ": the model has no weights in groups " + groups);
            SessionFactory sessions = new SessionFactory(runtime, parts.sources(), tc.seed());
            Files.createDirectories(runDir);
            RunConfig.write(runDir, config);

            // the frozen base as runtime.weights says; the feature cache's vision encoder stays float (features as before)
            SessionFactory trainSessions = base.enabled() ? new SessionFactory(runtime, parts.sources(), tc.seed(), base) : sessions;
            try (TrainableGraph net = trainSessions.openTrainable(graph, TrainingGraph.LOSS, trainable, tc.recompute())) {
                Optimizer optimizer = tc.optimizer() == TrainConfig.Optimizer.ADAMW ? AdamW.withWeightDecay(tc.weightDecay()) : new Sgd(tc.weightDecay());
                Optional<Checkpoint.Loaded> resume = resumeFrom.flatMap(dir -> resume(dir, net, optimizer));
                Checkpoint.State state = resume.map(Checkpoint.Loaded::state)
                        .orElse(new Checkpoint.State(0, 0, 0, 0, tc.stage().name().toLowerCase(), tc.seed(), 0, Double.NaN));
                RunMetrics.truncate(runDir, resume.isPresent() ? state.step() : -1);
                Dataset dataset = openDataset(registry, tc.dataset());
                SampleBuilder builder = SampleBuilder.of(parts.llm(), parts.fusion(), images, tc.system(),
                        tc.prompts().orElse(LlavaPrompts.DETAILED), tc.maxLength());
                if (tc.lmContext() == TrainConfig.LmContext.CAPTION_WORDS) builder = builder.withCaptionWords();
                int imageTokens = builder.imagePositions().count();
                long padId = builder.imagePositions().tokenId();
                long totalSteps = totalSteps(tc, dataset);
                FeatureCache cache = images ? FeatureCache.forTraining(config, parts, sessions) : null;
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put(ModelParts.FUSION_TYPE_KEY, parts.fusionType());
                metadata.put(ModelParts.STAGE_KEY, tc.stage().name().toLowerCase());
                metadata.put("iris.version", registry.providers(ProviderKind.FUSION).stream()
                        .filter(p -> p.type().equals(parts.fusionType())).findFirst().map(p -> p.version()).orElse("dev"));
                SampleSkips skips = SampleSkips.writingTo(runDir.resolve(SampleSkips.FILE), resume.isPresent());
                SamplePreparer preparer = new SamplePreparer(builder, cache, skips);
                BatchProducer producer = new BatchProducer(dataset, preparer, skips, tc, imageTokens, padId, state, BatchProducer.MAX_CONSECUTIVE_UNUSABLE);
                Thread thread = new Thread(producer, "iris-data");
                thread.setDaemon(true);
                thread.start();
                try {
                    return loop(tc, net, optimizer, producer, state, totalSteps, runDir, metadata, LoraTraining.textFiles(config, lora), dropout,
                            listener, start);
                } finally {
                    producer.stop();
                    thread.interrupt();
                    // the data thread may be running the vision session: closing it under its feet crashes ONNX Runtime
                    boolean ended = awaitEnd(thread);
                    preparer.close();
                    skips.close();
                    if (cache != null && ended) cache.close();
                }
            }
        } catch (IOException e) {
            throw new IrisException("training output " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the data thread to finish what it is doing; false when it did not within a minute (its sessions are then left open). */
    private static boolean awaitEnd(Thread thread) {
        try {
            thread.join(Duration.ofMinutes(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) LOG.warn("the data thread did not stop within a minute; its vision session is left open");
        return !thread.isAlive();
    }

    /** A dataset plugin's dataset for a config section. */
    public static Dataset openDataset(PluginRegistry registry, ComponentConfig section) {
        DatasetProvider p = registry.forConfig(ProviderKind.DATASET, section);
        return p.create(section, fileOrFolder -> Safetensors.open(fileOrFolder));
    }

    private static Result loop(TrainConfig tc, TrainableGraph net, Optimizer optimizer, BatchProducer producer, Checkpoint.State state,
                               long totalSteps, Path runDir, Map<String, String> metadata, Map<String, String> textFiles,
                               Optional<LoraDropout> dropout, Consumer<StepInfo> listener, long start)
            throws IOException {
        long step = state.step();
        long samplesSeen = state.samplesSeen();
        double lastLoss = state.lastLoss();
        int epoch = state.epoch();
        long consumed = state.consumedInEpoch();
        double computeSeconds = 0;
        long computeSamples = 0;
        while (step < totalSteps) {
            long t0 = System.nanoTime();
            List<BatchProducer.Item> micro = new ArrayList<>();
            for (int i = 0; i < tc.gradAccum(); i++) {
                BatchProducer.Item item = producer.take();
                if (item == null) break;   // the data ended (epochs mode)
                micro.add(item);
            }
            if (micro.isEmpty()) break;
            int labelled = micro.stream().mapToInt(it -> it.batch().labelled()).sum();
            Map<String, Tensor> grads = null;
            double loss = 0;
            int samples = 0;
            int passIndex = 0;
            for (BatchProducer.Item it : micro) {
                long stepNow = step;
                int passNow = passIndex++;
                TrainableGraph.Pass pass = net.forwardBackward(dropout.map(d -> d.withMasks(it.batch().feeds(), stepNow, passNow))
                        .orElse(it.batch().feeds()));
                if (!Double.isFinite(pass.loss())) {
                    throw new IrisException("the loss is " + pass.loss() + " at step " + (step + 1) + "; stopping (batch ids: "
                            + String.join(", ", it.batch().ids()) + ")");
                }
                // the step's loss is the mean over all labelled tokens of its micro-batches
                double w = it.batch().labelled() / (double) labelled;
                loss += w * pass.loss();
                grads = accumulate(grads, pass.grads(), w);
                samples += it.batch().samples().size();
                epoch = it.epoch();
                consumed = it.consumedAfter();
            }
            double norm = Params.clipGlobalNorm(grads, tc.maxGradNorm());
            double lr = LearningRate.at(tc.schedule(), tc.lr(), tc.warmupSteps(), step, totalSteps);
            optimizer.step(net.parameters(), grads, lr);
            // a diverged update must stop here: the next checkpoint would save it and a resume would carry it on
            Optional<String> diverged = firstNonFinite(net.parameters());
            if (diverged.isPresent()) {
                throw new IrisException("the update of step " + (step + 1) + " left non-finite weights: " + diverged.get()
                        + "; stopping, no checkpoint written for it (batch ids: "
                        + String.join(", ", micro.stream().flatMap(it -> it.batch().ids().stream()).toList())
                        + "). Lower train.lr or set train.max_grad_norm.");
            }
            step++;
            samplesSeen += samples;
            lastLoss = loss;
            double seconds = (System.nanoTime() - t0) / 1e9;
            computeSeconds += seconds;
            computeSamples += samples;
            double sps = samples / seconds;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step);
            line.put("loss", loss);
            line.put("lr", lr);
            line.put("grad_norm", norm);
            line.put("samples_per_s", sps);
            line.put("epoch", epoch);
            ProcessMemory.peakRssMb().ifPresent(mb -> line.put("peak_rss_mb", mb));
            RunMetrics.append(runDir, line);
            listener.accept(new StepInfo(step, totalSteps, loss, lr, norm, sps, epoch));
            if (tc.saveEvery() > 0 && step % tc.saveEvery() == 0 && step < totalSteps) {
                save(runDir.resolve("checkpoints").resolve(Checkpoint.stepName(step)), net, optimizer,
                        new Checkpoint.State(step, epoch, consumed, optimizer.steps(), state.stage(), state.seed(), samplesSeen, lastLoss), metadata,
                        textFiles);
            }
        }
        if (step == state.step() && step < totalSteps) {
            // the data ended before one step: a run that trained nothing is not a result
            throw new IrisException("train.dataset: no training step ran (the data gave no usable batch); no checkpoint written. "
                    + producer.skips().summary());
        }
        if (producer.truncated() > 0) {
            LOG.info("{} samples were cut to train.max_length: {} whole trailing turns left out", producer.truncated(), producer.turnsDropped());
        }
        Checkpoint.State last = new Checkpoint.State(step, epoch, consumed, optimizer.steps(), state.stage(), state.seed(), samplesSeen, lastLoss);
        Path fin = runDir.resolve("final");
        save(fin, net, optimizer, last, metadata, textFiles);
        LossChart.write(runDir.resolve("loss-curve.png"), "Training loss (" + state.stage() + ")",
                Map.of("train loss", RunMetrics.lossCurve(runDir)));
        return new Result(runDir, step, lastLoss, computeSamples / Math.max(computeSeconds, 1e-9), fin,
                producer.skips().datasetSkips(), producer.skips().sampleSkips(), producer.truncated(), producer.turnsDropped(), (System.nanoTime() - start) / 1e9,
                producer.skips().file());
    }

    private static void save(Path folder, TrainableGraph net, Optimizer optimizer, Checkpoint.State state, Map<String, String> metadata,
                             Map<String, String> textFiles) {
        Checkpoint.write(folder, net.parameters(), optimizer.state(), state, metadata, textFiles);
    }

    /** acc += w * g, in fresh buffers the first time (gradients from ORT are our own copies). */
    private static Map<String, Tensor> accumulate(Map<String, Tensor> acc, Map<String, Tensor> grads, double w) {
        if (acc == null) {
            for (Tensor g : grads.values()) scale(g, w);
            return grads;
        }
        for (var e : grads.entrySet()) {
            FloatBuffer a = acc.get(e.getKey()).data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            FloatBuffer g = e.getValue().data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int i = 0, n = a.remaining(); i < n; i++) a.put(i, (float) (a.get(i) + w * g.get(i)));
        }
        return acc;
    }

    private static void scale(Tensor t, double w) {
        if (w == 1) return;
        FloatBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0, n = b.remaining(); i < n; i++) b.put(i, (float) (b.get(i) * w));
    }

    private static long totalSteps(TrainConfig tc, Dataset dataset) {
        if (tc.length() instanceof TrainConfig.Steps s) return s.count();
        long n = 0;
        Dataset.Skips skipped;
        try (Dataset.Examples ex = dataset.open()) {
            while (ex.hasNext()) {
                ex.next();
                n++;
            }
            skipped = ex.skips();
        }
        if (n == 0) {
            throw new IrisException("train.dataset: " + dataset.describe() + " has no usable examples; " + skipped.count() + " rows skipped "
                    + skipped.byReason() + ", first ids: " + String.join(", ", skipped.firstIds()));
        }
        long batches = (n + tc.batchSize() - 1) / tc.batchSize();
        long perEpoch = (batches + tc.gradAccum() - 1) / tc.gradAccum();
        return perEpoch * ((TrainConfig.Epochs) tc.length()).count();
    }

    /** The newest usable checkpoint of {@code runDir} restored into the net and optimizer; damaged ones are named and passed over. */
    private static Optional<Checkpoint.Loaded> resume(Path runDir, TrainableGraph net, Optimizer optimizer) {
        Optional<Checkpoint.Loaded> c = Checkpoint.resume(runDir, loaded -> {
            restore(net.parameters(), loaded.params(), loaded.folder());
            try {
                optimizer.load(loaded.optimizer(), loaded.state().optimizerSteps());
            } catch (IllegalArgumentException e) {
                throw new IrisException(loaded.folder().resolve(Checkpoint.OPTIMIZER) + ": " + e.getMessage(), e);
            }
        }, LOG::warn);
        if (c.isPresent()) LOG.info("resuming from {} at step {}", c.get().folder(), c.get().state().step());
        else LOG.warn("--resume {}: the run has no checkpoint yet, starting from step 0", runDir);
        return c;
    }

    private static void restore(Map<String, Tensor> params, Map<String, Tensor> saved, Path from) {
        for (var e : params.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) throw new IrisException("checkpoint " + from + " has no tensor for trainable weight " + e.getKey());
            if (s.data().remaining() != e.getValue().data().remaining()) {
                throw new IrisException("checkpoint " + from + ": " + e.getKey() + " has a different size than the model's");
            }
            e.getValue().data().duplicate().put(s.data().duplicate());
        }
    }

    /** The first parameter holding a NaN or infinity, as "NAME[index] = value" (the load-time scan, run on the update). */
    private static Optional<String> firstNonFinite(Map<String, Tensor> params) {
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            long i = NonFinite.firstIndex(e.getValue());
            if (i >= 0) return Optional.of(e.getKey() + "[" + i + "] = " + e.getValue().getFloat(i));
        }
        return Optional.empty();
    }
}
