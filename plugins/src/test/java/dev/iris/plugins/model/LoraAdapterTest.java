package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Random;
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
        double worst = 0;
        for (int i = 0; i < merged.length; i++) worst = Math.max(worst, Math.abs(merged[i] - unmerged[i]));
        assertThat(worst).as("largest logit difference, merged vs unmerged").isLessThan(1e-5);
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
