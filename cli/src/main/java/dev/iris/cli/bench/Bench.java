package dev.iris.cli.bench;

import static dev.iris.training.Stats.median;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iris.api.IrisException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.ModelPreset;
import dev.iris.cli.PairInit;
import dev.iris.datasets.ParquetDatasetProvider;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.training.Checkpoint;
import dev.iris.training.ProcessMemory;
import dev.iris.training.RunMetrics;
import dev.iris.training.SampleBuilder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import javax.imageio.ImageIO;

/**
 * {@code iris bench}: one process measures loading, image encoding, prefill, decode, stage-1
 * training, concurrency, peak memory and memory bandwidth on a preset's random-weight models,
 * and relates decode speed to the bandwidth ceiling (decode reads every LLM weight per token).
 */
public final class Bench {
    /** The default model preset: small enough for tests. Any model preset a plugin declares can be measured. */
    public static final String TINY = "tiny";

    /** The decode figure needs at least this many measured steps. */
    public static final int MIN_DECODE_STEPS = 32;

    /**
     * What to run. {@code bandwidthElements} per array (the CLI uses 32M doubles = 256 MB; tests
     * use less), {@code trainSteps} of which the first 2 are warm-up.
     */
    /** @param training whether the training phases run (they take most of the time) */
    public record Options(String preset, Path dir, int tokens, int bandwidthElements, int trainSteps, int repeats, boolean training) {
        public Options {
            Objects.requireNonNull(preset, "preset");
            if (tokens < MIN_DECODE_STEPS + 1) throw new IrisException("--tokens: at least " + (MIN_DECODE_STEPS + 1) + " (32 decode steps are measured)");
            if (trainSteps < 3) throw new IrisException("train steps: at least 3 (the first 2 are warm-up)");
        }

        public Options(String preset, Path dir, int tokens, int bandwidthElements, int trainSteps, int repeats) {
            this(preset, dir, tokens, bandwidthElements, trainSteps, repeats, true);
        }

        public static Options defaults(String preset, Path dir, int tokens) {
            return new Options(preset, dir, tokens, 32 << 20, 7, 5);
        }

        public Options withoutTraining() {
            return new Options(preset, dir, tokens, bandwidthElements, trainSteps, repeats, false);
        }
    }

    private static final int WARMUP_TRAIN_STEPS = 2;
    private static final int TARGET_SAMPLE_TOKENS = 129;
    private static final int TEXT_PROMPT_TOKENS = 30;
    private static final String CAPTION = "A yellow triangle in the bottom right.";

    private final PluginRegistry registry;
    private final Options o;
    private final Consumer<String> progress;
    private final Map<String, Object> r = new LinkedHashMap<>();

    /** Set when the preset names a pair rather than a model preset. */
    private final Optional<PairInit.Pair> pair;

    private Bench(PluginRegistry registry, Options o, Consumer<String> progress) {
        this.registry = registry;
        this.o = o;
        this.progress = progress;
        this.pair = ModelInit.modelPreset(registry, o.preset()).isPresent() ? Optional.empty() : PairInit.Pair.parse(o.preset());
    }

    /** Runs every measurement; the figures in order, keyed as in the JSON output. */
    public static Map<String, Object> run(PluginRegistry registry, Options options, Consumer<String> progress) {
        return new Bench(registry, options, progress).run();
    }

    private Map<String, Object> run() {
        if (ModelInit.modelPreset(registry, o.preset()).isEmpty() && pair.isEmpty()) {
            throw new IrisException("--preset: '" + o.preset() + "' is not a model preset of the installed plugins (model presets: "
                    + ModelInit.modelPresets(registry).stream().map(ModelPreset::name).toList()
                    + ") nor a pair VISION:PRESET+LLM:PRESET+FUSION (see iris plugins)");
        }
        put("preset", o.preset());
        put("dir", o.dir().toAbsolutePath().toString());
        Path config = ensureModels();
        IrisConfig cfg = new ConfigLoader().load(config, List.of());
        put("threads", cfg.runtime().threads());
        put("cpus", Runtime.getRuntime().availableProcessors());

        coldLoad(cfg);
        long t0 = System.nanoTime();
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, registry)) {
            model.prepare();
            put("load_s", (System.nanoTime() - t0) / 1e9);
            loadFigures(model, "");
            byte[] image = shapePng(model.parts().vision().imageSize());

            double[] enc = new double[o.repeats()];
            model.encodeImage(model.parts().vision().preprocess(image, "bench.png"));   // warm-up
            for (int i = 0; i < enc.length; i++) {
                long s = System.nanoTime();
                model.encodeImage(model.parts().vision().preprocess(image, "bench.png"));
                enc[i] = (System.nanoTime() - s) / 1e6;
            }
            put("image_encode_ms", median(enc));

            String question = textQuestion(model, image);
            VisionLanguageModel.Request request = VisionLanguageModel.Request.question(Optional.empty(), question, Optional.of(image), "bench.png");
            model.generate(request, GenerateConfig.defaults().withMaxNewTokens(1), s -> {}, false);   // warm-up
            Prefill prefill = prefill(model, request);
            double prefillMs = prefill.ms();
            int prefillTokens = prefill.tokens();
            int imageTokens = model.parts().fusion().imageTokens();
            put("prefill_image_tokens", imageTokens);
            put("prefill_text_tokens", prefillTokens - imageTokens);
            put("prefill_tokens", prefillTokens);
            put("prefill_ms", prefillMs);
            put("prefill_tokens_per_s", prefillTokens / (prefillMs / 1e3));

            Decode d = decode(model, request);
            put("decode_mode", d.mode());
            put("decode_steps", d.result().decodeMs().size());
            put("decode_ms_per_token", d.result().medianDecodeMs());
            double decodeTps = 1e3 / d.result().medianDecodeMs();
            put("decode_tokens_per_s", decodeTps);
            long[] fp32Tokens = d.result().generatedIds();

            long weightBytes = WeightBytesPerToken.of(model.parts().llm());
            put("weight_bytes_per_token", weightBytes);

            put("concurrent1_tokens_per_s", concurrent(model, request, d.config(), 1));
            put("concurrent4_tokens_per_s", concurrent(model, request, d.config(), 4));
            r.put("_weight_bytes", weightBytes);
            r.put("_decode_tps", decodeTps);
            r.put("_fp32_tokens", fp32Tokens);
            r.put("_decode_config", d.config());
        }
        double peak = phasePeak("generate_peak_rss_mb", 0);
        // the same model with 8-bit linear weights, in blocks (int8) and per channel (int8_channel), each loaded in this process
        long[] fp32Tokens = (long[]) r.remove("_fp32_tokens");
        GenerateConfig decodeConfig = (GenerateConfig) r.remove("_decode_config");
        for (Quantization format : QUANTIZED) peak = quantized(cfg, format, fp32Tokens, decodeConfig, peak);
        if (o.training()) peak = train(cfg, peak);
        put("peak_rss_mb", peak);
        double bw = MemoryBandwidth.triadGbPerS(o.bandwidthElements(), 2, 5);
        put("bandwidth_gb_s", bw);
        put("bandwidth_array_mb", o.bandwidthElements() * 8L / (1 << 20));
        long weightBytes = (Long) r.remove("_weight_bytes");
        double decodeTps = (Double) r.remove("_decode_tps");
        double ceiling = bw * 1e9 / weightBytes;
        put("decode_ceiling_tokens_per_s", ceiling);
        put("decode_fraction_of_ceiling", decodeTps / ceiling);
        // 8-bit: codes and scales per token over the same bandwidth
        for (Quantization format : QUANTIZED) {
            String f = format.spec();
            long bytes = (Long) r.remove("_" + f + "_weight_bytes");
            double ceiling8 = bw * 1e9 / bytes;
            put("weight_bytes_per_token_" + f, bytes);
            put("decode_" + f + "_ceiling_tokens_per_s", ceiling8);
            put("decode_" + f + "_fraction_of_ceiling", (Double) r.remove("_" + f + "_tps") / ceiling8);
        }
        // the same over a read-only probe, the access pattern decode actually has (3 arrays' worth of bytes in one)
        double read = MemoryBandwidth.readGbPerS(3 * o.bandwidthElements(), 2, 5);
        put("bandwidth_read_gb_s", read);
        put("decode_ceiling_read_tokens_per_s", read * 1e9 / weightBytes);
        put("decode_fraction_of_read_ceiling", decodeTps / (read * 1e9 / weightBytes));
        return r;
    }

    /** The training phases, each in a child JVM; returns the largest peak so far. */
    private double train(IrisConfig cfg, double peak) {
        String prompt = trainPrompt(cfg);
        peak = Math.max(peak, train(cfg, prompt, 8, 1, "train_"));
        // the same batch holding its activations for the backward pass (train.recompute: false): the memory recomputation saves, and its time
        peak = Math.max(peak, train(cfg, prompt, 8, 1, 0, "train_no_recompute_"));
        // every activation recomputed (train.recompute: true): the least memory, the slowest
        peak = Math.max(peak, train(cfg, prompt, 8, 1, 1, "train_recompute_all_"));
        // the same batch of 8 as 4 accumulated passes of 2: a quarter of the activations held for the backward pass
        peak = Math.max(peak, train(cfg, prompt, 2, 4, "train_accum_"));
        // stage 2 with LoRA: the fusion and rank-16 adapters on every linear layer of the frozen LLM (PEFT's all-linear), batch 8
        peak = Math.max(peak, train(cfg, prompt, 8, 1, 1, Optional.of(LORA), "train_lora_"));
        return peak;
    }

    // ------------------------------------------------------------------ load and weight memory

    /**
     * The first load of the model, converting its weights into the weight cache: beside the
     * models when they have no cache yet (so the timed load after it reads the cache), else in a
     * scratch folder removed afterwards. Its peak is reported and then reset, so the generation
     * figures do not include the conversion.
     */
    private void coldLoad(IrisConfig cfg) {
        if (!dev.iris.runtime.cache.WeightCache.fromEnvironment().enabled()) {
            progress.accept("  (the weight cache is off: no cold-load figure)");
            return;
        }
        Path scratch = hasWeightCache(o.dir()) ? o.dir().resolve(".cold-weight-cache") : null;
        String before = System.getProperty("iris.weight.cache");
        if (scratch != null) System.setProperty("iris.weight.cache", scratch.toAbsolutePath().toString());
        long t0 = System.nanoTime();
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, registry)) {
            model.prepare();
            put("load_cold_s", (System.nanoTime() - t0) / 1e9);
            put("load_cold_converted_mb", model.sessions().cache().convertedBytes() / (double) (1 << 20));
            put("load_cold_peak_rss_mb", ProcessMemory.peakRssMb().orElse(-1.0));
        } finally {
            if (scratch != null) {
                if (before == null) System.clearProperty("iris.weight.cache");
                else System.setProperty("iris.weight.cache", before);
                deleteTree(scratch);
            }
        }
        System.gc();
        ProcessMemory.resetPeak();
    }

    /** Peak RSS of the load just done, the frozen weight bytes the model's sessions hold, and those on disk. */
    private void loadFigures(VisionLanguageModel model, String suffix) {
        put("load" + suffix + "_peak_rss_mb", ProcessMemory.peakRssMb().orElse(-1.0));
        put("load" + suffix + "_converted_mb", model.sessions().cache().convertedBytes() / (double) (1 << 20));
        put("weight_bytes_held" + suffix + "_mb", model.sessions().weightBytesHeld() / (double) (1 << 20));
        if (suffix.isEmpty()) put("weight_bytes_on_disk_mb", checkpointBytes(o.dir()) / (double) (1 << 20));
        dev.iris.runtime.session.SessionFactory.LoadTimes t = model.sessions().loadTimes();
        put("load" + suffix + "_compile_s", t.compileSeconds());
        put("load" + suffix + "_weights_s", t.weightSeconds());
        put("load" + suffix + "_sessions_s", t.sessionSeconds());
    }

    private static boolean hasWeightCache(Path dir) {
        try (var s = Files.walk(dir, 3)) {
            return s.anyMatch(p -> p.getFileName().toString().equals(dev.iris.runtime.cache.WeightCache.FOLDER));
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes of the checkpoints (*.safetensors) under the bench folder. */
    private static long checkpointBytes(Path dir) {
        try (var s = Files.walk(dir, 3)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(p))
                    .mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a scratch folder left behind is harmless
        }
    }

    private record Prefill(double ms, int tokens) {}

    /** The median prefill time of {@code request} over the repeats (one token generated each time), and its prompt length. */
    private Prefill prefill(VisionLanguageModel model, VisionLanguageModel.Request request) {
        GenerateConfig one = GenerateConfig.defaults().withMaxNewTokens(1);
        double[] ms = new double[o.repeats()];
        int tokens = 0;
        for (int i = 0; i < ms.length; i++) {
            GenerationResult g = model.generate(request, one, s -> {}, false);
            ms[i] = g.prefillMs();
            tokens = g.promptIds().length;
        }
        return new Prefill(median(ms), tokens);
    }

    /** The 8-bit formats measured next to fp32: blocks (MatMulNBits) and per channel (integer GEMM). */
    static final List<Quantization> QUANTIZED = List.of(Quantization.parse("int8"), Quantization.parse("int8_channel"));

    /**
     * Load, prefill and decode with {@code format}'s weights (figures named with its
     * {@code runtime.weights} value, e.g. {@code prefill_int8_channel_ms}), and how often it
     * picks the fp32 run's token; returns the largest peak so far.
     */
    private double quantized(IrisConfig cfg, Quantization format, long[] fp32Tokens, GenerateConfig decodeConfig, double peak) {
        String f = format.spec();
        IrisConfig qc = cfg.edit().runtimeWeights(format).done();
        long i0 = System.nanoTime();
        try (VisionLanguageModel model = VisionLanguageModel.load(qc, registry)) {
            model.prepare();
            put("load_" + f + "_s", (System.nanoTime() - i0) / 1e9);
            loadFigures(model, "_" + f);
            byte[] image = shapePng(model.parts().vision().imageSize());
            VisionLanguageModel.Request request = VisionLanguageModel.Request.question(Optional.empty(), textQuestion(model, image),
                    Optional.of(image), "bench.png");
            model.generate(request, GenerateConfig.defaults().withMaxNewTokens(2), s -> {}, false);   // warm-up
            Prefill prefill = prefill(model, request);   // the fp32 prefill figures' twin: the same prompt and repeats
            put("prefill_" + f + "_ms", prefill.ms());
            put("prefill_" + f + "_tokens_per_s", prefill.tokens() / (prefill.ms() / 1e3));
            GenerationResult q = model.generate(request, decodeConfig, s -> {}, false);
            put("decode_" + f + "_steps", q.decodeMs().size());
            put("decode_" + f + "_ms_per_token", q.medianDecodeMs());
            put("decode_" + f + "_tokens_per_s", 1e3 / q.medianDecodeMs());
            // the share of steps where it picks the fp32 token, up to the first difference and overall position by position
            long[] qt = q.generatedIds();
            int same = 0, n = Math.min(qt.length, fp32Tokens.length), prefix = 0;
            for (int i = 0; i < n; i++) if (qt[i] == fp32Tokens[i]) same++;
            while (prefix < n && qt[prefix] == fp32Tokens[prefix]) prefix++;
            put(f + "_token_agreement", n == 0 ? 0.0 : same / (double) n);
            put(f + "_identical_prefix_tokens", prefix);
            r.put("_" + f + "_weight_bytes", WeightBytesPerToken.of(model.parts().llm(), format));
            r.put("_" + f + "_tps", 1e3 / q.medianDecodeMs());
        }
        return phasePeak("generate_" + f + "_peak_rss_mb", peak);
    }

    private void put(String key, Object value) {
        r.put(key, value);
        progress.accept(key + " = " + format(value));
    }

    // ------------------------------------------------------------------ models


    /** The preset's models under {@code dir}, written on first use; returns the config. */
    private Path ensureModels() {
        Path dir = o.dir();
        Path config = pair.map(p -> dir.resolve(p.configFileName())).orElse(dir.resolve(ModelInit.CONFIG_FILE));
        if (Files.exists(config)) {
            progress.accept("reusing models in " + dir);
            return config;
        }
        long t0 = System.nanoTime();
        progress.accept("writing random-weight " + o.preset() + " models to " + dir);
        // the config is written last: its presence means both model folders are complete
        if (pair.isPresent()) {
            pair.get().write(registry, dir, 0);
        } else {
            ModelInit.write(registry, o.preset(), dir, 0);
        }
        put("init_s", (System.nanoTime() - t0) / 1e9);
        return config;
    }

    /** A white image with a red disc, at the encoder's size (resizing is not what is measured here). */
    static byte[] shapePng(int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(new Color(220, 40, 40));
        g.fillOval(size / 8, size / 8, size / 3, size / 3);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IrisException("cannot encode the bench image: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static final String[] WORDS = ("Describe the image in detail: say which colour the shape has, what kind of shape it is, "
            + "and in which part of the picture it sits, then say whether anything else is visible around it, how large it looks, "
            + "how the background looks, and whether the edges of the shape are sharp or soft, and end with one short summary sentence "
            + "that a reader could use as a caption for the picture without seeing it at all").split(" ");

    /** The shortest question whose prompt has at least {@code target} tokens besides the image pads. */
    private static String question(int target, ToIntFunction<String> textTokens) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; ; i++) {
            if (i > 0) q.append(' ');
            q.append(WORDS[i % WORDS.length]);
            if (textTokens.applyAsInt(q.toString()) >= target) return q.toString();
        }
    }

    private static String textQuestion(VisionLanguageModel model, byte[] image) {
        int pads = model.parts().fusion().imageTokens();
        return question(TEXT_PROMPT_TOKENS, q -> model.promptIds(
                VisionLanguageModel.Request.question(Optional.empty(), q, Optional.of(image), "bench.png")).length - pads);
    }

    // ------------------------------------------------------------------ decode

    private record Decode(GenerationResult result, GenerateConfig config, String mode) {}

    /**
     * Greedy first; a random-weight model may pick a stop token early, so then temperature
     * sampling with a few seeds, keeping the first run with enough steps.
     */
    private Decode decode(VisionLanguageModel model, VisionLanguageModel.Request request) {
        GenerateConfig greedy = GenerateConfig.defaults().withMaxNewTokens(o.tokens());
        GenerationResult g = model.generate(request, greedy, s -> {}, false);
        if (g.decodeMs().size() >= MIN_DECODE_STEPS) return new Decode(g, greedy, "greedy");
        progress.accept("greedy decoding stopped after " + g.decodeMs().size() + " steps (" + g.stopReason() + "); sampling instead");
        for (int seed = 1; seed <= 20; seed++) {
            GenerateConfig sampled = GenerateConfig.defaults().withMaxNewTokens(o.tokens()).withTemperature(1.0).withSeed(seed);
            g = model.generate(request, sampled, s -> {}, false);
            if (g.decodeMs().size() >= MIN_DECODE_STEPS) return new Decode(g, sampled, "temperature 1.0, seed " + seed);
        }
        throw new IrisException("decoding stopped before " + MIN_DECODE_STEPS + " steps with greedy and 20 sampling seeds");
    }

    /** {@code threads} generations at once on the one model: generated tokens over wall time. */
    private static double concurrent(VisionLanguageModel model, VisionLanguageModel.Request request, GenerateConfig cfg, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            List<Future<GenerationResult>> runs = new ArrayList<>();
            for (int i = 0; i < threads; i++) runs.add(pool.submit(() -> model.generate(request, cfg, s -> {}, false)));
            long tokens = 0;
            for (Future<GenerationResult> f : runs) tokens += f.get().generatedIds().length;
            return tokens / ((System.nanoTime() - t0) / 1e9);
        } catch (Exception e) {
            throw new IrisException("concurrent generation failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ training

    /** The stage-1 prompt that makes ~129-token samples; writes the shapes images (at the encoder's size) once. */
    private String trainPrompt(IrisConfig cfg) {
        Path data = o.dir().resolve("bench-data");
        String prompt;
        try (ModelParts parts = ModelParts.create(cfg, registry)) {
            int size = parts.vision().imageSize();
            // 16 images: after the first two steps every image's features come from the cache
            if (!Files.exists(data.resolve(ShapesGenerator.HELDOUT_FILE))) ShapesGenerator.write(data, 16, 8, size, 0);
            LanguageModel llm = parts.llm();
            byte[] image = shapePng(size);
            ToIntFunction<String> length = q -> SampleBuilder.of(llm, parts.fusion(), true,
                    Optional.empty(), List.of(q), 4096).build("bench", CAPTION, image, new Random(0)).length();
            prompt = question(TARGET_SAMPLE_TOKENS, length);
            put("train_sample_tokens", length.applyAsInt(prompt));
        }
        return prompt;
    }

    /**
     * Stage-1 steps of {@code batch} samples, {@code accum} passes per optimizer step, in a child
     * JVM (so its peak memory is its own); figures under {@code prefix}. Returns its peak RSS.
     */
    private double train(IrisConfig cfg, String prompt, int batch, int accum, String prefix) {
        return train(cfg, prompt, batch, accum, TrainConfig.DEFAULT_RECOMPUTE, prefix);
    }

    /** The bench's LoRA: rank 16, alpha 32, every linear layer but the LM head. */
    private static final Map<String, Object> LORA = Map.of("rank", 16, "alpha", 32, "targets", List.of("all-linear"));

    private double train(IrisConfig cfg, String prompt, int batch, int accum, double recompute, String prefix) {
        return train(cfg, prompt, batch, accum, recompute, Optional.empty(), prefix);
    }

    /** @param lora a {@code train.lora} section: stage finetune with it (else stage pretrain) */
    private double train(IrisConfig cfg, String prompt, int batch, int accum, double recompute, Optional<Map<String, Object>> lora,
                         String prefix) {
        Path data = o.dir().resolve("bench-data"), run = o.dir().resolve("bench-train");
        try {
            Map<String, Object> train = new LinkedHashMap<>();
            train.put("dataset", ParquetDatasetProvider.section(data.resolve(ShapesGenerator.TRAIN_FILE)));
            train.put("prompts", List.of(prompt));
            train.put("optimizer", "adamw");
            train.put("schedule", "constant");
            train.put("warmup_steps", 0);
            train.put("batch_size", batch);
            train.put("grad_accum", accum);
            train.put("save_every", 0);
            train.put("log_every", 1);
            train.put("seed", 0);
            train.put("recompute", recompute);
            lora.ifPresent(l -> train.put("lora", l));
            // the models' config with a train section, written beside it so its relative model paths still hold
            IrisConfig trainCfg = cfg.edit().set("train", train)
                    .trainStage(lora.isPresent() ? TrainConfig.Stage.FINETUNE : TrainConfig.Stage.PRETRAIN).trainLr(1.0e-3)
                    .trainSteps(o.trainSteps()).trainOutput(run).done();
            String yaml = trainCfg.toYaml();
            Path config = o.dir().toAbsolutePath().resolve("bench-train.yaml");
            writeText(config, yaml);
            Checkpoint.deleteRecursively(run);
            runChild(BenchTrainer.class, config);
            List<Double> sps = new ArrayList<>();
            double peak = -1;
            for (JsonNode n : RunMetrics.read(run)) {
                if (n.get("step").asLong() > WARMUP_TRAIN_STEPS) sps.add(n.get("samples_per_s").asDouble());
                if (n.has("peak_rss_mb")) peak = Math.max(peak, n.get("peak_rss_mb").asDouble());
            }
            put(prefix + "batch_size", batch * accum);
            put(prefix + "passes_per_step", accum);
            put(prefix + "steps_measured", sps.size());
            put(prefix + "samples_per_s", median(sps.stream().mapToDouble(Double::doubleValue).toArray()));
            put(prefix + "peak_rss_mb", peak);
            return peak;
        } catch (IOException e) {
            throw new IrisException("bench training in " + run + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Runs {@code main} of a class in a fresh JVM on this class path, its output passed on as progress. */
    private void runChild(Class<?> main, Path argument) throws IOException {
        String javaBin = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(javaBin));
        // the JVM options this one was started with (native access for ONNX Runtime, heap size, ...), agents left out
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-javaagent") && !option.startsWith("-agentlib") && !option.startsWith("-agentpath")) command.add(option);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), argument.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ArrayDeque<String> last = new ArrayDeque<>();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                progress.accept("  " + line);
                last.addLast(line);
                if (last.size() > 5) last.removeFirst();
            }
        }
        try {
            int code = p.waitFor();
            if (code != 0) throw new IrisException(main.getSimpleName() + " (a child JVM) failed with exit code " + code + ": " + String.join(" | ", last));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IrisException("interrupted while " + main.getSimpleName() + " ran", e);
        }
    }

    /**
     * Reports the peak resident set since the last phase under {@code key}, then resets it so the
     * next phase (after its predecessor's model was closed) is measured on its own. Returns the
     * largest peak so far, the process's.
     */
    private double phasePeak(String key, double before) {
        double phase = ProcessMemory.peakRssMb().orElse(-1.0);
        put(key, phase);
        System.gc();   // lets the JVM hand back what the closed phase left on its heap
        if (!ProcessMemory.resetPeak()) progress.accept("  (cannot reset the peak RSS: later phases include earlier ones)");
        return Math.max(before, phase);
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static String format(Object v) {
        if (v == null) return "null";
        if (v instanceof Double d) return Math.abs(d) >= 100 ? String.format("%.1f", d) : String.format("%.3g", d);
        return v.toString();
    }

    /** The figures as a Markdown table. */
    public static String table(Map<String, Object> figures) {
        StringBuilder sb = new StringBuilder("| figure | value |\n|---|---|\n");
        figures.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(format(v)).append(" |\n"));
        return sb.toString();
    }
}
