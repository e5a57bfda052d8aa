package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported ONNX files run in a fresh, plain ONNX Runtime session (no Iris session code),
 * fed as {@code iris-onnx.json} says, give the greedy ids Iris's own generation gives, for an
 * image prompt and a text prompt, with each fusion.
 */
class OnnxExportRoundTripTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final int MAX_NEW = 12;

    @TempDir
    Path dir;

    @ParameterizedTest
    // the cross-attention fusion under both image masks: every position reads the image, or from its place on
    @ValueSource(strings = {"tiny", "tiny-crossattn", "tiny-crossattn model.fusion.image_mask=mllama"})
    void exportedGraphsGiveIrisGreedyIds(String presetAndOverrides) throws Exception {
        List<String> words = List.of(presetAndOverrides.split(" "));
        String preset = words.get(0);
        ModelInit.Written w = ModelInit.write(REGISTRY, preset, dir.resolve("model"), 0);
        List<String> overrides = new ArrayList<>(words.subList(1, words.size()));
        // random fusion weights (an initialised fusion may leave the text untouched: a zero gate) and language-model
        // weights larger than the preset's (whose greedy answer repeats one token whatever the prompt), so a wrong feed shows
        IrisConfig base = IrisConfig.load(w.config(), overrides);
        overrides.add("model.fusion.weights=" + randomWeights(base, "fusion", 0.5));
        overrides.add("model.llm.weights=" + randomWeights(base, "llm", 0.4));
        IrisConfig cfg = IrisConfig.load(w.config(), overrides);
        byte[] png = png();
        GenerateConfig greedy = new GenerateConfig(Optional.empty(), MAX_NEW, 0.0, 0, 1.0, 1.0, 0);
        Path out = dir.resolve("onnx");
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, REGISTRY)) {
            OnnxExporter.Written written = OnnxExporter.export(cfg, model, out);
            assertThat(written.files()).contains(OnnxExporter.IMAGE_GRAPH, OnnxExporter.LANGUAGE_GRAPH, OnnxExporter.WEIGHTS,
                    OnnxExporter.MANIFEST, "tokenizer.json");
            for (String f : written.files()) assertThat(out.resolve(f)).exists();
            assertThat(written.weightBytes()).isEqualTo(Files.size(out.resolve(OnnxExporter.WEIGHTS))).isPositive();
            // the weights live outside the graphs: each .onnx file is a small fraction of them
            assertThat(Files.size(out.resolve(OnnxExporter.LANGUAGE_GRAPH))).isLessThan(written.weightBytes() / 4);

            JsonNode manifest = new ObjectMapper().readTree(out.resolve(OnnxExporter.MANIFEST).toFile());
            assertThat(manifest.path("fusion").asText()).isEqualTo(cfg.fusion().type());
            assertThat(manifest.path("chat_template").path("text_prompt").asText()).contains(OnnxExporter.QUESTION);
            JsonNode logits = manifest.path("graphs").path("language").path("outputs").get(0);
            assertThat(logits.path("name").asText()).isEqualTo("logits");
            assertThat(logits.path("dims").get(0).asText()).isEqualTo("rows");   // the description's sizes and input symbols
            assertThat(logits.path("dims").get(1).asLong()).isEqualTo(model.parts().llm().vocabSize());

            List<long[]> answers = new ArrayList<>();
            for (boolean withImage : new boolean[] {true, false}) {
                VisionLanguageModel.Request request = VisionLanguageModel.Request.question(Optional.empty(), "What is shown?",
                        withImage ? Optional.of(png) : Optional.empty(), "shape.png");
                long[] iris = model.generate(request, greedy, s -> {}, false).generatedIds();
                long[] prompt = model.promptIds(request);
                Tensor pixels = withImage ? model.parts().vision().preprocess(png, "shape.png") : null;
                int[] starts = withImage && model.parts().fusion().readsImageRows()
                        ? ImageRows.starts(model.parts().fusion(), model.parts().llm().chatTemplate(), model.parts().llm().tokenizer(),
                                request.messages(), request.imageMessages(), prompt)
                        : null;
                long[] exported = new PlainOrtGenerator(out, manifest).generate(prompt, pixels, starts, MAX_NEW);
                assertThat(exported).as("%s, %s prompt", presetAndOverrides, withImage ? "image" : "text").containsExactly(iris);
                answers.add(iris);
            }
            // the image changes the answer: a feed that dropped it would show
            assertThat(answers.get(0)).hasSize(MAX_NEW).isNotEqualTo(answers.get(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny"})
    void aFolderThatIsNotEmptyIsRefusedAndLeftAlone(String preset) throws Exception {
        ModelInit.Written w = ModelInit.write(REGISTRY, preset, dir.resolve("model"), 0);
        IrisConfig cfg = IrisConfig.load(w.config(), List.of());
        Path out = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, REGISTRY)) {
            assertThatThrownBy(() -> OnnxExporter.export(cfg, model, out)).isInstanceOf(IrisException.class)
                    .hasMessage("--out " + out + " is not empty: give a new folder");
        }
        try (var s = Files.list(out)) {
            assertThat(s.toList()).containsExactly(out.resolve("keep.txt"));
        }
    }

    private Path randomWeights(IrisConfig cfg, String group, double std) {
        Path file = dir.resolve(group + ".safetensors");
        try (ModelParts parts = ModelParts.create(cfg, REGISTRY)) {
            Map<String, Tensor> t = new java.util.LinkedHashMap<>();
            Random rnd = new Random(11);
            PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion()).get(group).forEach((name, shape) -> {
                float[] v = new float[(int) Tensor.numel(shape)];
                double mean = shape.length == 1 ? 1 : 0;   // norms' scales about 1
                for (int i = 0; i < v.length; i++) v[i] = (float) (mean + rnd.nextGaussian() * std);
                t.put(name, Tensor.ofFloats(v, shape));
            });
            dev.iris.runtime.safetensors.SafetensorsWriter.write(file, t, dev.iris.api.tensor.DType.F32);
        }
        return file;
    }

    private static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(5);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, rnd.nextInt(0xffffff));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    /** Greedy generation over the exported files with ONNX Runtime's own API, as the manifest's "feeding" says. */
    private static final class PlainOrtGenerator {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final Path folder;
        private final JsonNode m;
        private final int layers, kvHeads, headDim, hidden, rowsPerImage, maxPositions;
        private final Set<Long> stops = new HashSet<>();

        PlainOrtGenerator(Path folder, JsonNode manifest) {
            this.folder = folder;
            this.m = manifest;
            JsonNode lm = manifest.path("language_model");
            layers = lm.path("layers").asInt();
            kvHeads = lm.path("kv_heads").asInt();
            headDim = lm.path("head_dim").asInt();
            hidden = lm.path("hidden_size").asInt();
            maxPositions = lm.path("max_positions").asInt();
            rowsPerImage = manifest.path("image").path("image_rows_per_image").asInt();
            lm.path("stop_token_ids").forEach(n -> stops.add(n.asLong()));
        }

        private OrtSession open(String graph) throws Exception {
            return env.createSession(folder.resolve(m.path("graphs").path(graph).path("file").asText()).toString(), new OrtSession.SessionOptions());
        }

        long[] generate(long[] prompt, Tensor pixels, int[] imageStarts, int maxNew) throws Exception {
            JsonNode image = m.path("image");
            boolean everyStep = image.path("read_every_step").asBoolean();
            boolean places = image.path("places_tokens_in_prompt").asBoolean();
            long imageToken = m.path("chat_template").path("image_token").path("id").asLong();
            List<AutoCloseable> held = new ArrayList<>();
            OnnxTensor imageRep = null;
            if (pixels != null) {
                try (OrtSession vision = open("image");
                     OnnxTensor px = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels.toFloats()), prepend(1, pixels.shape()));
                     OrtSession.Result r = vision.run(Map.of("pixels", px))) {
                    OnnxTensor rep = (OnnxTensor) r.get("image").orElseThrow();
                    imageRep = OnnxTensor.createTensor(env, FloatBuffer.wrap(floats(rep)), rep.getInfo().getShape());
                    held.add(imageRep);
                }
            }
            boolean textGraph = pixels == null && everyStep;
            try (OrtSession lm = open(textGraph ? "text" : "language")) {
                int t = prompt.length;
                Map<String, OnnxTensor> feeds = new HashMap<>();
                long[] ids = prompt.clone(), splice = new long[t];
                int k = 0;
                for (int i = 0; i < t; i++) {
                    boolean pad = pixels != null && places && prompt[i] == imageToken;
                    splice[i] = pad ? t + k++ : i;
                    if (pad) ids[i] = 0;
                }
                long[] positions = new long[t];
                float[] mask = new float[t * t];
                for (int i = 0; i < t; i++) {
                    positions[i] = i;
                    for (int j = i + 1; j < t; j++) mask[i * t + j] = Float.NEGATIVE_INFINITY;
                }
                feeds.put("ids", longs(ids, 1, t));
                feeds.put("positions", longs(positions, 1, t));
                feeds.put("mask", floats(mask, 1, 1, t, t));
                for (int l = 0; l < layers; l++) {
                    feeds.put("past_key." + l, floats(new float[0], 1, kvHeads, 0, headDim));
                    feeds.put("past_value." + l, floats(new float[0], 1, kvHeads, 0, headDim));
                }
                feeds.put("logit_rows", longs(new long[] {t - 1}, 1));
                float[] lastRow = null;
                OnnxTensor stepImage = null;
                if (!textGraph) {
                    feeds.put("splice", longs(splice, 1, t));
                    if (imageRep != null) {
                        feeds.put("image", imageRep);
                        stepImage = everyStep ? imageRep : floats(new float[0], 1, 0, hidden);
                    } else {
                        feeds.put("image", floats(new float[0], 1, 0, hidden));
                        stepImage = feeds.get("image");
                    }
                    if (lm.getInputNames().contains("image_rows")) {
                        int[] starts = imageStarts != null ? imageStarts : new int[0];
                        int width = starts.length * rowsPerImage;
                        float[] rows = new float[t * width];
                        for (int p = 0; p < t; p++) {
                            int latest = -1;
                            for (int s : starts) if (s <= p) latest = Math.max(latest, s);
                            for (int i = 0; i < starts.length; i++) {
                                if (latest >= 0 && starts[i] == latest) java.util.Arrays.fill(rows, p * width + i * rowsPerImage, p * width + (i + 1) * rowsPerImage, 1f);
                            }
                        }
                        feeds.put("image_rows", floats(rows, 1, t, width));
                        lastRow = java.util.Arrays.copyOfRange(rows, (t - 1) * width, t * width);
                    }
                }
                List<Long> out = new ArrayList<>();
                OrtSession.Result result = lm.run(new HashMap<>(feeds));
                int length = t;
                try {
                    while (true) {
                        long next = argmax(floats((OnnxTensor) result.get("logits").orElseThrow()));
                        out.add(next);
                        length++;
                        if (stops.contains(next) || out.size() >= maxNew || length >= maxPositions) break;
                        Map<String, OnnxTensor> step = new HashMap<>();
                        step.put("ids", longs(new long[] {next}, 1, 1));
                        step.put("positions", longs(new long[] {length - 1}, 1, 1));
                        step.put("mask", floats(new float[length], 1, 1, 1, length));
                        step.put("logit_rows", longs(new long[] {0}, 1));
                        for (int l = 0; l < layers; l++) {
                            step.put("past_key." + l, (OnnxTensor) result.get("present_key." + l).orElseThrow());
                            step.put("past_value." + l, (OnnxTensor) result.get("present_value." + l).orElseThrow());
                        }
                        if (!textGraph) {
                            step.put("splice", longs(new long[] {0}, 1, 1));
                            step.put("image", stepImage);
                            if (lastRow != null) step.put("image_rows", floats(lastRow, 1, 1, lastRow.length));
                        }
                        OrtSession.Result nextResult = lm.run(step);
                        result.close();   // the cache was copied into the new run's outputs
                        result = nextResult;
                    }
                } finally {
                    result.close();
                }
                return out.stream().mapToLong(Long::longValue).toArray();
            } finally {
                for (AutoCloseable c : held) c.close();
            }
        }

        private OnnxTensor longs(long[] v, long... shape) throws Exception {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape);
        }

        private OnnxTensor floats(float[] v, long... shape) throws Exception {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
        }

        private static float[] floats(OnnxValue v) {
            FloatBuffer b = ((OnnxTensor) v).getFloatBuffer();
            float[] f = new float[b.remaining()];
            b.get(f);
            return f;
        }

        private static long argmax(float[] logits) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }

        private static long[] prepend(long first, long[] shape) {
            long[] s = new long[shape.length + 1];
            s[0] = first;
            System.arraycopy(shape, 0, s, 1, shape.length);
            return s;
        }
    }
}
