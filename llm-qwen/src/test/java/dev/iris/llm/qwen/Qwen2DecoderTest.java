package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.text.ChatMl;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import dev.iris.testkit.DecoderGraphs;
import dev.iris.testkit.LanguageModelContract;
import dev.iris.testkit.NaiveLanguageModel;
import dev.iris.testkit.PluginBehavior;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Qwen2 description on the language-model contract (tied and untied embeddings: ORT against
 * a plain-Java forward pass, the cache, gradients, the layer hook), plus quantized weights.
 */
class Qwen2DecoderTest {
    private static final OrtRuntime ORT = OrtRuntime.cpu(1);

    private static Qwen2Config config(boolean tied) {
        return new Qwen2Config(32, 2, 4, 2, 48, 40, 10000.0, 1e-6, tied, 128);
    }

    /** The contract for one embedding layout. */
    abstract static class Qwen2Contract extends LanguageModelContract {
        abstract boolean tied();

        @Override
        protected LanguageModel createModel() {
            // the graph needs no tokenizer: the folder is never read
            return new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), config(tied()), ChatMl.chatMl());
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.HAS_KV_CACHE, PluginBehavior.TRAINABLE_WEIGHTS);
        }

        /** The rotary inverse frequencies are float32 in every run (as transformers computes them): 2e-8 measured in float64. */
        @Override
        protected double tolerance(DType precision) {
            return precision == DType.F64 ? 1e-7 : super.tolerance(precision);
        }

        @Override
        protected NaiveLanguageModel naiveForward() {
            return NaiveQwen2.forward(config(tied()));
        }
    }

    @Nested
    class Tied extends Qwen2Contract {
        @Override
        boolean tied() {
            return true;
        }
    }

    @Nested
    class Untied extends Qwen2Contract {
        @Override
        boolean tied() {
            return false;
        }
    }

    private static Map<String, float[]> randomWeights(Qwen2Config c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        int d = c.hiddenSize(), hd = c.headDim();
        w.put("model.embed_tokens.weight", gauss(r, c.vocabSize() * d, 0.5));
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", around1(r, d));
            w.put(p + "post_attention_layernorm.weight", around1(r, d));
            w.put(p + "self_attn.q_proj.weight", gauss(r, c.heads() * hd * d, 0.2));
            w.put(p + "self_attn.q_proj.bias", gauss(r, c.heads() * hd, 0.1));
            w.put(p + "self_attn.k_proj.weight", gauss(r, c.kvHeads() * hd * d, 0.2));
            w.put(p + "self_attn.k_proj.bias", gauss(r, c.kvHeads() * hd, 0.1));
            w.put(p + "self_attn.v_proj.weight", gauss(r, c.kvHeads() * hd * d, 0.2));
            w.put(p + "self_attn.v_proj.bias", gauss(r, c.kvHeads() * hd, 0.1));
            w.put(p + "self_attn.o_proj.weight", gauss(r, d * c.heads() * hd, 0.2));
            w.put(p + "mlp.gate_proj.weight", gauss(r, c.intermediateSize() * d, 0.2));
            w.put(p + "mlp.up_proj.weight", gauss(r, c.intermediateSize() * d, 0.2));
            w.put(p + "mlp.down_proj.weight", gauss(r, d * c.intermediateSize(), 0.2));
        }
        w.put("model.norm.weight", around1(r, d));
        if (!c.tiedEmbeddings()) w.put("lm_head.weight", gauss(r, c.vocabSize() * d, 0.2));
        return w;
    }

    private static float[] gauss(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    private static float[] around1(Random r, int n) {
        float[] a = gauss(r, n, 0.1);
        for (int i = 0; i < n; i++) a[i] += 1;
        return a;
    }

    private static Map<String, Tensor> run(Graph graph, Map<String, float[]> w, Map<String, Tensor> feeds) {
        return run(graph, w, feeds, dev.iris.runtime.onnx.CompiledGraph.Quantization.NONE);
    }

    private static Map<String, Tensor> run(Graph graph, Map<String, float[]> w, Map<String, Tensor> feeds,
                                           dev.iris.runtime.onnx.CompiledGraph.Quantization weights) {
        Map<String, Tensor> shaped = new HashMap<>();
        graph.weights().forEach((q, v) -> shaped.put(q.substring(4), Tensor.ofFloats(w.get(q.substring(4)), v.shape().sizes())));
        WeightBinder binder = new WeightBinder(Map.of("llm", new MapWeightSource(shaped)), 0);
        var compiled = OnnxCompiler.compile(graph, DType.F32, List.of(), weights);
        try (GraphSession s = ORT.open(compiled, binder.bind(graph, compiled.frozen().keySet(), DType.F32))) {
            return s.run(feeds);
        }
    }

    /**
     * int8 per channel (DynamicQuantizeMatMul), int8 in blocks and int4 (MatMulNBits) against fp32
     * on the same model, a 7-token prompt (a prefill): the logit error stays small.
     */
    @ParameterizedTest
    @ValueSource(strings = {"int8", "int8_channel", "int4"})
    void quantizedWeightsStayCloseToFloat(String format) {
        Qwen2Config c = new Qwen2Config(64, 2, 4, 2, 96, 40, 10000.0, 1e-6, false, 128);   // K a multiple of the 32-wide blocks
        Map<String, float[]> w = randomWeights(c, 9);
        Graph graph = DecoderGraphs.logits(new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), c, ChatMl.chatMl()));
        Map<String, Tensor> feeds = Map.of("ids", Tensor.ofLongs(new long[] {3, 17, 5, 39, 0, 22, 8}, 1, 7), "positions", DecoderGraphs.positions(1, 0, 7),
                "mask", DecoderGraphs.causalMask(0, 7));
        float[] fp32 = run(graph, w, feeds).get("logits").toFloats();
        float[] q = run(graph, w, feeds, dev.iris.runtime.onnx.CompiledGraph.Quantization.parse(format)).get("logits").toFloats();
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < fp32.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(fp32[i] - q[i]));
            maxAbs = Math.max(maxAbs, Math.abs(fp32[i]));
        }
        assertThat(maxDiff).isGreaterThan(0);                                 // the quantized path really ran
        // random weights: int4 errs far more than int8 (at accuracy level 0: 2.7% and 43% of the largest logit)
        assertThat(maxDiff / maxAbs).as("%s: max logit difference %.4f of %.2f", format, maxDiff, maxAbs)
                .isLessThan(format.startsWith("int8") ? 0.05 : 0.6);
    }
}
