package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.runtime.session.SessionFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA adapter in PEFT's layout applied unmerged ({@code model.llm.adapter}) and folded in by
 * {@link LoraMerge}: the two give the same logits, and a wrong adapter is an error naming what
 * is wrong. The adapter is written here as PEFT writes one, with random A and B.
 */
class LoraAdapterTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final LoraRewrite.Spec SPEC = new LoraRewrite.Spec(4, 8, List.of("q_proj", "v_proj", "down_proj"));
    @TempDir
    static Path dir;
    private static List<String> modules;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Merged weights rounded to bf16 move the tiny model's logits by less than this (measured: 8.8e-4 at most). */
    private static final double BF16_LOGIT_TOLERANCE = 5e-3;

    @BeforeAll
    static void tinyModelAndAdapter() throws Exception {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
        try (ModelParts parts = ModelParts.create(config(), REGISTRY)) {
            modules = LoraRewrite.apply(logitsGraph(parts.llm()), "llm", SPEC).modules().stream().map(LoraRewrite.Module::name).toList();
        }
        writeAdapter(dir.resolve("adapter"), SPEC, modules);
    }

    static void writeAdapter(Path folder, LoraRewrite.Spec spec, List<String> modules) throws Exception {
        Files.createDirectories(folder);
        Map<String, Tensor> t = new LinkedHashMap<>();
        Random rnd = new Random(3);
        try (WeightSource base = Safetensors.open(dir.resolve("models/llm"))) {
            for (String m : modules) {
                // a module the model lacks (a wrong adapter) gets the first one's shape
                long[] w = base.info(m + ".weight").or(() -> base.info(modules.get(0) + ".weight")).orElseThrow().shape();
                t.put(PeftAdapter.peftKey(m + LoraRewrite.A), random(rnd, spec.rank(), w[1]));
                t.put(PeftAdapter.peftKey(m + LoraRewrite.B), random(rnd, w[0], spec.rank()));
            }
        }
        SafetensorsWriter.write(folder.resolve(PeftAdapter.WEIGHTS), t, DType.F32, Map.of("format", "pt"));
        Files.writeString(folder.resolve(PeftAdapter.CONFIG), PeftAdapter.configJson(spec, 0.0, dir.resolve("models/llm").toString()));
    }

    private static Tensor random(Random rnd, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 0.05);
        return Tensor.ofFloats(v, shape);
    }

    private static IrisConfig config(String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                """;
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    /** Text in, logits of every position out (no KV cache): what generation's prefill computes. */
    private static Graph logitsGraph(LanguageModel llm) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value positions = g.input("positions", DType.I64, "batch", "seq");
        Value mask = g.input("mask", DType.F32, "batch", 1L, "seq", "seq");
        LanguageModel.Decoded out = llm.decode(g, new LanguageModel.DecoderInput(llm.embed(g, ids), positions, mask, List.of(), List.of(),
                LanguageModel.LayerHook.NONE));
        g.output("logits", llm.logits(g, g.reshape(out.hidden(), -1, llm.hiddenSize())));
        return g.build();
    }

    private static float[] logits(IrisConfig config) {
        try (ModelParts parts = ModelParts.create(config, REGISTRY)) {
            SessionFactory sessions = new SessionFactory(OrtRuntime.cpu(1), parts.sources(), 0);
            int t = 6;
            long[] ids = new long[t], pos = new long[t];
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++) {
                ids[i] = 3 + 5L * i;
                pos[i] = i;
                for (int j = i + 1; j < t; j++) mask[i * t + j] = Float.NEGATIVE_INFINITY;
            }
            try (GraphSession s = sessions.open(parts.adapt(logitsGraph(parts.llm())))) {
                return s.run(Map.of("ids", Tensor.ofLongs(ids, 1, t), "positions", Tensor.ofLongs(pos, 1, t),
                        "mask", Tensor.ofFloats(mask, 1, 1, t, t))).get("logits").toFloats();
            }
        }
    }

    @Test
    void theMergedModelGivesTheUnmergedAdaptersLogits() {
        assertThat(modules).hasSizeGreaterThan(3).anyMatch(m -> m.endsWith(".q_proj")).anyMatch(m -> m.endsWith(".down_proj"));
        float[] base = logits(config());
        float[] unmerged = logits(config("model.llm.adapter=" + dir.resolve("adapter")));
        LoraMerge.Result r = LoraMerge.merge(dir.resolve("adapter"), null, dir.resolve("merged"));
        assertThat(r.modules()).containsExactlyInAnyOrderElementsOf(modules);
        assertThat(dir.resolve("merged/config.json")).exists();
        assertThat(dir.resolve("merged/tokenizer.json")).exists();
        float[] merged = logits(config("model.llm.path=" + dir.resolve("merged")));

        assertThat(unmerged).isNotEqualTo(base);   // the adapter is applied
        assertThat(r.dtypes()).as("the tiny base is float32").containsExactly(DType.F32);
        assertThat(largestDifference(merged, unmerged)).as("largest logit difference, merged vs unmerged").isLessThan(1e-5);
    }

    @Test
    void aBf16BaseMergesToBf16ValuesThatAreTheFloat32MergeRounded() throws Exception {
        Path base = convertedBase("llm-bf16", name -> DType.BF16);
        ObjectNode cfg = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
        Files.writeString(base.resolve("config.json"), cfg.put("torch_dtype", "bfloat16").put("dtype", "bfloat16").toString());
        LoraMerge.Result r = LoraMerge.merge(dir.resolve("adapter"), base, dir.resolve("merged-bf16"));
        LoraMerge.Result f32 = LoraMerge.merge(dir.resolve("adapter"), base, dir.resolve("merged-bf16-as-f32"), Optional.of(DType.F32));
        assertThat(r.dtypes()).containsExactly(DType.BF16);
        assertThat(f32.dtypes()).containsExactly(DType.F32);

        try (WeightSource b = Safetensors.open(base); WeightSource m = Safetensors.open(dir.resolve("merged-bf16"));
             WeightSource w = Safetensors.open(dir.resolve("merged-bf16-as-f32"))) {
            assertThat(m.names()).isEqualTo(b.names());
            int merged = 0;
            for (String n : b.names()) {
                assertThat(m.info(n).orElseThrow().dtype()).as(n).isEqualTo(DType.BF16);
                assertThat(w.info(n).orElseThrow().dtype()).as(n).isEqualTo(DType.F32);
                Tensor bf = m.read(n);
                float[] full = w.read(n).toFloats();
                if (!n.endsWith(".weight") || !modules.contains(n.substring(0, n.length() - ".weight".length()))) {
                    assertThat(bf.data()).as(n + " is the base's, byte for byte").isEqualTo(b.read(n).data());
                    assertThat(full).as(n).containsExactly(b.read(n).toFloats());
                    continue;
                }
                merged++;
                assertThat(full).as(n + " is changed by the adapter").isNotEqualTo(b.read(n).toFloats());
                for (int i = 0; i < full.length; i++) {
                    int bits = bf.data().getShort(2 * i) & 0xffff;
                    if (bits != nearestBf16(full[i])) {
                        throw new AssertionError(n + " element " + i + ": bf16 0x" + Integer.toHexString(bits) + ", the float32 merge "
                                + full[i] + " rounds to 0x" + Integer.toHexString(nearestBf16(full[i])));
                    }
                }
            }
            assertThat(merged).isEqualTo(modules.size());
        }
        JsonNode written = JSON.readTree(dir.resolve("merged-bf16/config.json").toFile());
        assertThat(written.get("torch_dtype").asText()).isEqualTo("bfloat16");
        assertThat(written.get("dtype").asText()).isEqualTo("bfloat16");
        JsonNode asF32 = JSON.readTree(dir.resolve("merged-bf16-as-f32/config.json").toFile());
        assertThat(asF32.get("torch_dtype").asText()).isEqualTo("float32");
        assertThat(asF32.get("dtype").asText()).isEqualTo("float32");
        assertThat(((ObjectNode) asF32.deepCopy()).put("torch_dtype", "bfloat16").put("dtype", "bfloat16")).as("the other fields")
                .isEqualTo(cfg);
        assertThat(Files.readString(dir.resolve("merged-bf16-as-f32/config.json"))).as("laid out as transformers writes it")
                .contains("\n  \"torch_dtype\": \"float32\"");

        // the bf16 folder loads back: its logits are the float32 merge's within bf16 rounding, which the unmerged adapter on the bf16 base matches
        float[] unmerged = logits(config("model.llm.path=" + base, "model.llm.adapter=" + dir.resolve("adapter")));
        float[] asFloat32 = logits(config("model.llm.path=" + dir.resolve("merged-bf16-as-f32")));
        float[] asBf16 = logits(config("model.llm.path=" + dir.resolve("merged-bf16")));
        assertThat(largestDifference(asFloat32, unmerged)).as("float32 merge vs unmerged").isLessThan(1e-5);
        assertThat(largestDifference(asBf16, unmerged)).as("bf16 merge vs unmerged").isLessThan(BF16_LOGIT_TOLERANCE).isGreaterThan(0);
    }

    @Test
    void underAutoEachTensorKeepsItsOwnDtypeAndAMixedConfigIsLeftAsIs() throws Exception {
        String half = modules.get(0) + ".weight";
        Path base = convertedBase("llm-mixed", name -> name.equals(half) ? DType.F16 : name.endsWith("norm.weight") ? DType.F32 : DType.BF16);
        byte[] config = Files.readAllBytes(base.resolve("config.json"));
        LoraMerge.Result r = LoraMerge.merge(dir.resolve("adapter"), base, dir.resolve("merged-mixed"));
        assertThat(r.dtypes()).containsExactlyInAnyOrder(DType.F32, DType.F16, DType.BF16);
        try (WeightSource b = Safetensors.open(base); WeightSource m = Safetensors.open(dir.resolve("merged-mixed"))) {
            for (String n : b.names()) assertThat(m.info(n).orElseThrow().dtype()).as(n).isEqualTo(b.info(n).orElseThrow().dtype());
            assertThat(m.read(half).toFloats()).isNotEqualTo(b.read(half).toFloats());
        }
        assertThat(dir.resolve("merged-mixed/config.json")).hasBinaryContent(config);

        // one dtype asked for: every floating tensor in it, and the config says so
        LoraMerge.Result h = LoraMerge.merge(dir.resolve("adapter"), base, dir.resolve("merged-mixed-f16"), MergeDType.parse("float16"));
        assertThat(h.dtypes()).containsExactly(DType.F16);
        try (WeightSource m = Safetensors.open(dir.resolve("merged-mixed-f16"))) {
            for (String n : m.names()) assertThat(m.info(n).orElseThrow().dtype()).as(n).isEqualTo(DType.F16);
        }
        assertThat(JSON.readTree(dir.resolve("merged-mixed-f16/config.json").toFile()).get("torch_dtype").asText()).isEqualTo("float16");
    }

    @Test
    void aDtypeOtherThanTheFourIsRefusedNamingTheOptionAndTheChoices() {
        assertThat(MergeDType.parse("auto")).isEmpty();
        assertThat(MergeDType.parse("bfloat16")).contains(DType.BF16);
        assertThatThrownBy(() -> MergeDType.parse("int8")).isInstanceOf(IrisException.class)
                .hasMessage("--dtype int8: expected one of auto, float32, bfloat16, float16");
    }

    /** Bits of the bf16 value nearest to {@code f}, the even one on a tie, found by comparing the two neighbours (not by bit tricks). */
    private static int nearestBf16(float f) {
        int down = Float.floatToRawIntBits(f) & 0xffff0000;
        int up = down + 0x10000;
        double below = Math.abs((double) f - Float.intBitsToFloat(down));
        double above = Math.abs((double) Float.intBitsToFloat(up) - f);
        int pick = below < above ? down : above < below ? up : ((down >>> 16) & 1) == 0 ? down : up;
        return pick >>> 16;
    }

    private static double largestDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }

    /** The tiny language model folder copied with its tensors stored as {@code dtypeOf} names. */
    private static Path convertedBase(String name, Function<String, DType> dtypeOf) throws Exception {
        Path from = dir.resolve("models/llm");
        Path to = Files.createDirectories(dir.resolve(name));
        Map<String, Tensor> t = new LinkedHashMap<>();
        try (WeightSource w = Safetensors.open(from)) {
            for (String n : w.names()) t.put(n, w.read(n).toFloating(dtypeOf.apply(n)));
        }
        SafetensorsWriter.writeAsHeld(to.resolve(Safetensors.SINGLE_FILE), t, Map.of("format", "pt"));
        try (var files = Files.list(from)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f)).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @Test
    void aMergeIntoAFolderInUseOrOverAMissingModuleWritesNothing() throws Exception {
        Path used = Files.createDirectories(dir.resolve("in-use"));
        Files.writeString(used.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> LoraMerge.merge(dir.resolve("adapter"), null, used)).isInstanceOf(IrisException.class)
                .hasMessage("--output " + used + " is not empty: give a new folder");
        assertThat(Files.readString(used.resolve("notes.txt"))).isEqualTo("mine");
        // an adapter for a module the base lacks fails half-way: no folder under the name, no temporary folder beside it
        Path other = dir.resolve("adapter-99");
        writeAdapter(other, new LoraRewrite.Spec(4, 8, List.of("q_proj")), List.of(modules.get(0), "model.layers.99.self_attn.q_proj"));
        Path out = dir.resolve("merged-missing");
        assertThatThrownBy(() -> LoraMerge.merge(other, dir.resolve("models/llm"), out)).hasMessageContaining("has no tensor model.layers.99.self_attn.q_proj.weight");
        assertThat(out).doesNotExist();
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("merged-missing"));
        }
    }

    @Test
    void anAdapterForOtherModulesOrInAnotherLayoutIsAnErrorNamingTheProblem() throws Exception {
        Path other = dir.resolve("other");
        writeAdapter(other, new LoraRewrite.Spec(4, 8, List.of("q_proj")), List.of(modules.get(0), "model.layers.99.self_attn.q_proj"));
        // the file's layer 99 is not in the model
        assertThatThrownBy(() -> logits(config("model.llm.adapter=" + other))).hasMessageContaining("does not fit the language model")
                .hasMessageContaining("model.layers.99.self_attn.q_proj");

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.copy(dir.resolve("adapter/" + PeftAdapter.CONFIG), foreign.resolve(PeftAdapter.CONFIG));
        SafetensorsWriter.write(foreign.resolve(PeftAdapter.WEIGHTS), Map.of("q_proj.lora_A.default.weight", Tensor.zeros(DType.F32, 4, 8)), DType.F32);
        assertThatThrownBy(() -> PeftAdapter.read(foreign)).isInstanceOf(IrisException.class)
                .hasMessageContaining("q_proj.lora_A.default.weight is not a LoRA weight in PEFT's layout");

        Path dora = Files.createDirectories(dir.resolve("dora"));
        Files.copy(dir.resolve("adapter/" + PeftAdapter.WEIGHTS), dora.resolve(PeftAdapter.WEIGHTS));
        Files.writeString(dora.resolve(PeftAdapter.CONFIG), Files.readString(dir.resolve("adapter/" + PeftAdapter.CONFIG))
                .replace("\"use_rslora\" : false", "\"use_rslora\" : true"));
        assertThatThrownBy(() -> PeftAdapter.read(dora)).hasMessageContaining("use_rslora is true");
    }

    @Test
    void theConfigHasPeftsFields() throws Exception {
        JsonNode c = new ObjectMapper().readTree(dir.resolve("adapter/" + PeftAdapter.CONFIG).toFile());
        assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(c.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(c.get("r").asInt()).isEqualTo(4);
        assertThat(c.get("lora_alpha").isInt()).isTrue();
        assertThat(c.get("lora_alpha").asInt()).isEqualTo(8);
        assertThat(c.get("bias").asText()).isEqualTo("none");
        assertThat(c.get("fan_in_fan_out").asBoolean()).isFalse();
        assertThat(c.get("target_modules")).extracting(JsonNode::asText).containsExactly("q_proj", "v_proj", "down_proj");
        PeftAdapter a = PeftAdapter.read(dir.resolve("adapter"));
        assertThat(a.spec()).isEqualTo(SPEC);
        assertThat(a.modules()).containsExactlyInAnyOrderElementsOf(modules);
    }
}
