package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.OnnxCompiler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link LanguageModel} promises about its graph. A language-model plugin's test
 * extends this class and supplies a small model (a few layers, a small vocabulary), its declared
 * abilities and its plain-Java forward pass. Tokenizer and chat-template behaviour is the
 * plugin's own to test.
 */
public abstract class LanguageModelContract {
    private static final int BATCH = 2, SEQ = 7;

    /** A small model: its graph is run many times here. */
    protected abstract LanguageModel createModel();

    protected abstract Set<PluginBehavior> behaviors();

    protected abstract NaiveLanguageModel naiveForward();

    /** How test weights are drawn; override when the defaults suit the model badly. */
    protected TestWeights.Init weightInit() {
        return TestWeights.DEFAULT;
    }

    /**
     * The largest |ORT - plain Java| logit difference accepted at {@code precision}. A model whose
     * graph holds float32 constants even in a float64 run (e.g. rotary tables) widens the float64 bound.
     */
    protected double tolerance(DType precision) {
        return precision == DType.F64 ? 1e-9 : 2e-4;
    }

    private LanguageModel model;

    @BeforeEach
    void createTheModel() {
        model = createModel();
    }

    private void requires(PluginBehavior b) {
        assumeTrue(behaviors().contains(b), "the plugin does not declare " + b);
    }

    /** Weights whose values float32 holds exactly, so every precision and the naive forward see the same model. */
    private Map<String, Tensor> weights(Graph g, long seed) {
        Map<String, Tensor> out = new HashMap<>();
        TestWeights.random(g, seed, weightInit()).forEach((k, v) -> out.put(k, v.toFloating(DType.F32).toFloating(DType.F64)));
        return out;
    }

    /** Logits of ids [batch, seq] at the given positions under {@code mask}, the cache optional; with {@code hook} after every layer. */
    private Graph logitsGraph(Object batch, Object seq, boolean cache, LanguageModel.LayerHook hook) {
        GraphBuilder g = new GraphBuilder();
        LanguageModel.Decoded out = DecoderGraphs.decode(g, model, batch, seq, cache ? "total" : seq, cache, hook);
        Value logits = model.logits(g, out.hidden());
        if (batch instanceof Long) GradientCheck.lossOf(g, logits);
        else g.output("logits", logits);
        if (cache) DecoderGraphs.outputCache(g, out);
        return g.build();
    }

    private Graph logitsGraph() {
        return logitsGraph("batch", "seq", false, null);
    }

    static Tensor causalMask(int past, int t) {
        return DecoderGraphs.causalMask(past, t);
    }

    static Tensor positions(int batch, int from, int t) {
        return DecoderGraphs.positions(batch, from, t);
    }

    private long[][] sequences(long seed) {
        Random r = new Random(seed);
        long[][] s = new long[BATCH][SEQ];
        for (long[] row : s) for (int i = 0; i < SEQ; i++) row[i] = r.nextInt(model.vocabSize());
        return s;
    }

    private static Map<String, Tensor> feeds(long[][] seqs) {
        int b = seqs.length, t = seqs[0].length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(seqs[i], 0, flat, i * t, t);
        return Map.of("ids", Tensor.ofLongs(flat, b, t), "positions", positions(b, 0, t), "mask", causalMask(0, t));
    }

    @Test
    void asksOnlyForWeightsInTheLlmGroup() {
        assertThat(logitsGraph().weights().keySet()).isNotEmpty().allSatisfy(q -> assertThat(q).startsWith("llm/"));
    }

    @Test
    void describesItsSizes() {
        assertThat(model.layers()).isPositive();
        assertThat(model.kvHeads()).isPositive();
        assertThat(model.headDim()).isPositive();
        assertThat(model.maxPositions()).isGreaterThan(SEQ);
    }

    @Test
    void embeddingsAndLogitsHaveTheirWidths() {
        GraphBuilder g = new GraphBuilder();
        Value emb = model.embed(g, g.input("ids", DType.I64, "batch", "seq"));
        assertThat(emb.shape().toString()).isEqualTo("[batch, seq, " + model.hiddenSize() + "]");
        assertThat(logitsGraph().output("logits").shape().toString()).isEqualTo("[batch, seq, " + model.vocabSize() + "]");
    }

    @Test
    void twoRunsGiveTheSameBits() {
        Graph g = logitsGraph();
        Map<String, Tensor> w = weights(g, 1), f = feeds(sequences(2));
        float[] a = GraphRun.run(g, w, f, DType.F32).get("logits").toFloats(), b = GraphRun.run(g, w, f, DType.F32).get("logits").toFloats();
        assertThat(b).containsExactly(a);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void logitsMatchThePlainJavaForward(DType precision) {
        Graph g = logitsGraph();
        Map<String, Tensor> w = weights(g, 3);
        long[][] seqs = sequences(4);
        Tensor logits = GraphRun.run(g, w, feeds(seqs), precision).get("logits");
        for (int b = 0; b < BATCH; b++) {
            double diff = Matrices.maxDiff(Matrices.item(logits, b), naiveForward().logits(w, seqs[b]));
            assertThat(diff).as("sequence %d, %s: max |ORT - plain Java|", b, precision).isLessThan(tolerance(precision));
        }
    }

    @Test
    void theHookRunsAfterEveryLayerInOrderAndWhatItReturnsIsUsed() {
        List<Integer> seen = new ArrayList<>();
        Graph hooked = logitsGraph("batch", "seq", false, (g, layer, hidden) -> {
            seen.add(layer);
            return layer == 0 ? g.add(hidden, g.scalar(0.5)) : hidden;
        });
        List<Integer> expected = new ArrayList<>();
        for (int l = 0; l < model.layers(); l++) expected.add(l);
        assertThat(seen).containsExactlyElementsOf(expected);
        Graph plain = logitsGraph();
        Map<String, Tensor> w = weights(plain, 5), f = feeds(sequences(6));
        assertThat(GraphRun.run(hooked, w, f, DType.F32).get("logits").toFloats())
                .isNotEqualTo(GraphRun.run(plain, w, f, DType.F32).get("logits").toFloats());
    }

    /**
     * What a decode step runs, counted in the compiled graph (the numbers are checked by the
     * tests above): attention and rotary embeddings read the linear layers' [B, T, heads x hd]
     * outputs as they are (no per-head Reshape or Transpose nodes), and with per-channel int8
     * each distinct input of the linear layers is quantized once (q, k and v share one), with
     * one per-row zero-point tensor for all of them.
     */
    @Test
    void theCachedDecoderRunsNoPerHeadReshapesAndQuantizesEachInputOnce() {
        requires(PluginBehavior.HAS_KV_CACHE);
        Graph g = logitsGraph("batch", "seq", true, null);
        Map<String, Long> fp32 = opCounts(OnnxCompiler.compile(g, DType.F32, List.of()));
        assertThat(fp32.get("Attention")).isEqualTo(model.layers());
        assertThat(fp32).doesNotContainKeys("Transpose", "Reshape");
        Map<String, Long> perChannel = opCounts(OnnxCompiler.compile(g, DType.F32, List.of(), CompiledGraph.Quantization.parse("int8_channel")));
        assertThat(perChannel.get("QuantizeLinear")).isLessThan(perChannel.get("MatMulIntegerToFloat"));
        assertThat(perChannel.get("Expand")).isEqualTo(1);
    }

    private static Map<String, Long> opCounts(CompiledGraph cg) {
        try {
            return OnnxMl.ModelProto.parseFrom(cg.model()).getGraph().getNodeList().stream()
                    .collect(java.util.stream.Collectors.groupingBy(OnnxMl.NodeProto::getOpType, java.util.stream.Collectors.counting()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void continuingFromTheCacheGivesTheLogitsOfRecomputing(int newTokens) {
        requires(PluginBehavior.HAS_KV_CACHE);
        Graph g = logitsGraph("batch", "seq", true, null);
        Map<String, Tensor> w = weights(g, 7);
        long[] seq = sequences(8)[0];
        int past = seq.length - newTokens;
        Map<String, Tensor> prefill = new HashMap<>();
        prefill.put("ids", Tensor.ofLongs(Arrays.copyOf(seq, past), 1, past));
        prefill.put("positions", positions(1, 0, past));
        prefill.put("mask", causalMask(0, past));
        for (int l = 0; l < model.layers(); l++) {
            prefill.put("past_key." + l, Tensor.zeros(DType.F32, 1, model.kvHeads(), 0, model.headDim()));
            prefill.put("past_value." + l, Tensor.zeros(DType.F32, 1, model.kvHeads(), 0, model.headDim()));
        }
        Map<String, Tensor> first = GraphRun.run(g, w, prefill, DType.F32);
        Map<String, Tensor> next = new HashMap<>();
        next.put("ids", Tensor.ofLongs(Arrays.copyOfRange(seq, past, seq.length), 1, newTokens));
        next.put("positions", positions(1, past, newTokens));
        next.put("mask", causalMask(past, newTokens));
        for (int l = 0; l < model.layers(); l++) {
            next.put("past_key." + l, first.get("present_key." + l));
            next.put("past_value." + l, first.get("present_value." + l));
        }
        Map<String, Tensor> second = GraphRun.run(g, w, next, DType.F32);
        assertThat(second.get("present_key.0").shape()).containsExactly(1, model.kvHeads(), seq.length, model.headDim());
        // the whole sequence at once, without a cache
        Map<String, Tensor> all = new HashMap<>();
        all.put("ids", Tensor.ofLongs(seq, 1, seq.length));
        all.put("positions", positions(1, 0, seq.length));
        all.put("mask", causalMask(0, seq.length));
        for (int l = 0; l < model.layers(); l++) {
            all.put("past_key." + l, Tensor.zeros(DType.F32, 1, model.kvHeads(), 0, model.headDim()));
            all.put("past_value." + l, Tensor.zeros(DType.F32, 1, model.kvHeads(), 0, model.headDim()));
        }
        double[][] recomputed = Matrices.item(GraphRun.run(g, w, all, DType.F32).get("logits"), 0);
        double[][] continued = Matrices.item(second.get("logits"), 0);
        double[][] tail = Arrays.copyOfRange(recomputed, past, seq.length);
        assertThat(Matrices.maxDiff(continued, tail)).as("max |cached - recomputed|").isLessThan(1e-4);
    }

    @Test
    void gradientsOfTrainableWeightsMatchFiniteDifferences() {
        requires(PluginBehavior.TRAINABLE_WEIGHTS);
        Graph g = logitsGraph(1L, 4L, false, null);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("ids", Tensor.ofLongs(Arrays.copyOf(sequences(9)[0], 4), 1, 4),
                "positions", positions(1, 0, 4), "mask", causalMask(0, 4)));
        GradientCheck.check(g, weights(g, 10), feeds, new ArrayList<>(g.weights().keySet()), 2, 11);
    }

    /** Embeddings of the wrong width fail with an error naming the width, when described or at the latest when run. */
    @Test
    void embeddingsOfTheWrongWidthAreRefusedWithANamedError() {
        int wrong = model.hiddenSize() + 1;
        assertThatThrownBy(() -> {
            GraphBuilder g = new GraphBuilder();
            Value emb = g.input("embeddings", DType.F32, 1L, "seq", (long) wrong);
            Value pos = g.input("positions", DType.I64, 1L, "seq");
            Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
            g.output("logits", model.logits(g, model.decode(g, new LanguageModel.DecoderInput(emb, pos, mask, List.of(), List.of(), null)).hidden()));
            Graph graph = g.build();
            GraphRun.run(graph, weights(graph, 12), Map.of("embeddings", TestWeights.gaussian(new Random(13), 1, 3, wrong),
                    "positions", positions(1, 0, 3), "mask", causalMask(0, 3)), DType.F32);
        }).isInstanceOf(RuntimeException.class).isNotInstanceOf(NullPointerException.class)
                .message().as("the error names the width it was given").contains(String.valueOf(wrong));
    }
}
