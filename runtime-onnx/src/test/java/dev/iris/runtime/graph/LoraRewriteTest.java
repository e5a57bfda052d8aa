package dev.iris.runtime.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The LoRA rewrite: what it adapts, that an untrained adapter changes nothing, and the adapters' gradients. */
class LoraRewriteTest {
    private static final String Q = "model.layers.0.self_attn.q_proj", V = "model.layers.0.self_attn.v_proj",
            O = "model.layers.0.self_attn.o_proj", XQ = "model.layers.0.self_attn.xq_proj";

    /** A two-layer block in the llm group (q and v with biases, o without, a look-alike name) and a fusion linear. */
    private static Graph block() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", "seq", 4L);
        Value q = g.linear(x, g.weight("llm", Q + ".weight", 6, 4), g.weight("llm", Q + ".bias", 6));
        Value v = g.linear(x, g.weight("llm", V + ".weight", 6, 4), g.weight("llm", V + ".bias", 6));
        Value xq = g.linear(x, g.weight("llm", XQ + ".weight", 6, 4), null);
        Value h = g.add(g.mul(g.tanh(q), v), xq);
        Value o = g.linear(h, g.weight("llm", O + ".weight", 4, 6), null);
        Value f = g.linear(o, g.weight("fusion", "q_proj.weight", 3, 4), null);
        Value loss = g.sum(g.mul(f, f), false, 0, 1, 2);
        g.output("y", o);
        g.output("loss", loss);
        return g.build();
    }

    private static Map<String, Tensor> randomWeights(Graph g, Random rnd, DType dtype) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        g.weights().forEach((name, v) -> w.put(name, GraphHarness.random(rnd, dtype, v.shape().sizes())));
        return w;
    }

    private static Map<String, Tensor> run(Graph g, DType dtype, Map<String, Tensor> feeds) {
        CompiledGraph cg = OnnxCompiler.compile(g, dtype, List.copyOf(g.weights().keySet()));
        try (GraphSession s = GraphHarness.ORT.open(cg, Map.of())) {
            return s.run(feeds);
        }
    }

    @Test
    void targetsMatchModuleNamesAsPeftDoesInTheNamedGroupOnly() {
        LoraRewrite.Result r = LoraRewrite.apply(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj", "self_attn.o_proj")));
        assertThat(r.modules()).extracting(LoraRewrite.Module::name).containsExactly(Q, O);
        assertThat(r.modules().get(0)).isEqualTo(new LoraRewrite.Module(Q, 6, 4));
        assertThat(r.graph().weights().keySet()).contains("lora/" + Q + ".lora_A.weight", "lora/" + Q + ".lora_B.weight",
                "lora/" + O + ".lora_A.weight", "lora/" + O + ".lora_B.weight").noneMatch(n -> n.contains("xq_proj.lora") || n.contains("v_proj.lora"));
        assertThat(r.graph().weights().get("lora/" + Q + ".lora_A.weight").shape().sizes()).containsExactly(2, 4);
        assertThat(r.graph().weights().get("lora/" + O + ".lora_B.weight").shape().sizes()).containsExactly(4, 2);
        // PEFT's Kaiming-uniform A (bound 1/sqrt(in)) and zero B
        Op.Weight a = (Op.Weight) r.graph().op(r.graph().weights().get("lora/" + Q + ".lora_A.weight"));
        assertThat(a.init()).isEqualTo(dev.iris.api.graph.Init.uniform(0.5));
        Op.Weight b = (Op.Weight) r.graph().op(r.graph().weights().get("lora/" + Q + ".lora_B.weight"));
        assertThat(b.init()).isEqualTo(dev.iris.api.graph.Init.zeros());
    }

    @Test
    void aTargetThatMatchesNothingNamesItselfAndTheModulesFound() {
        assertThatThrownBy(() -> LoraRewrite.requireEveryTarget(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj", "gate_proj")),
                "train.lora.targets"))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("train.lora.targets: target 'gate_proj' matches no linear layer of the llm")
                .hasMessageContaining("o_proj, q_proj, v_proj, xq_proj");
        LoraRewrite.requireEveryTarget(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj", Q)), "k");
    }

    @Test
    void allLinearMeansEveryLinearLayerOfTheGroupButTheLastByItsTrailingName() {
        LoraRewrite.Spec all = LoraRewrite.resolve(block(), "llm", new LoraRewrite.Spec(2, 4, List.of(LoraRewrite.ALL_LINEAR)));
        assertThat(all.targets()).containsExactly("q_proj", "v_proj", "xq_proj");   // o_proj computes the block's output
        assertThat(LoraRewrite.resolve(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj"))).targets()).containsExactly("q_proj");
    }

    @Test
    void zeroBLeavesTheOutputBitForBit() {
        Graph base = block();
        Graph adapted = LoraRewrite.apply(base, "llm", new LoraRewrite.Spec(3, 16, List.of("q_proj", "v_proj", "o_proj"))).graph();
        Random rnd = new Random(1);
        Map<String, Tensor> feeds = randomWeights(base, rnd, DType.F32);
        feeds.put("x", GraphHarness.random(rnd, DType.F32, 2, 5, 4));
        Map<String, Tensor> withAdapters = new HashMap<>(feeds);
        adapted.weights().forEach((name, v) -> {
            if (name.endsWith("lora_A.weight")) withAdapters.put(name, GraphHarness.random(rnd, DType.F32, v.shape().sizes()));
            if (name.endsWith("lora_B.weight")) withAdapters.put(name, Tensor.zeros(DType.F32, v.shape().sizes()));
        });
        float[] expected = run(base, DType.F32, feeds).get("y").toFloats();
        float[] got = run(adapted, DType.F32, withAdapters).get("y").toFloats();
        assertThat(got).containsExactly(expected);
        // and a non-zero B does change it: the adapter is on the path
        adapted.weights().forEach((name, v) -> {
            if (name.endsWith("lora_B.weight")) withAdapters.put(name, GraphHarness.random(rnd, DType.F32, v.shape().sizes()));
        });
        assertThat(run(adapted, DType.F32, withAdapters).get("y").toFloats()).isNotEqualTo(expected);
    }

    @Test
    void dropoutMasksTheAdaptersInputOnlyAndScalesWhatItKeeps() {
        // rate 0.5: kept inputs count twice, as an adapter with alpha 8 instead of 4 (exact in floats)
        Graph plain = LoraRewrite.apply(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj", "o_proj"))).graph();
        Graph doubled = LoraRewrite.apply(block(), "llm", new LoraRewrite.Spec(2, 8, List.of("q_proj", "o_proj"))).graph();
        Graph dropped = LoraRewrite.apply(block(), "llm", new LoraRewrite.Spec(2, 4, List.of("q_proj", "o_proj")), 0.5).graph();
        assertThat(dropped.inputs().keySet()).containsExactly("x", LoraRewrite.DROPOUT_INPUT + Q, LoraRewrite.DROPOUT_INPUT + O);
        Value mask = dropped.inputs().get(LoraRewrite.DROPOUT_INPUT + Q);
        assertThat(mask.shape()).isEqualTo(dropped.inputs().get("x").shape());
        assertThat(mask.dtype()).isEqualTo(DType.U8);
        Random rnd = new Random(5);
        Map<String, Tensor> feeds = randomWeights(plain, rnd, DType.F32);
        feeds.put("x", GraphHarness.random(rnd, DType.F32, 2, 3, 4));
        Map<String, Tensor> ones = new HashMap<>(feeds), zeros = new HashMap<>(feeds);
        ones.put(LoraRewrite.DROPOUT_INPUT + Q, bytes(1, 2, 3, 4));
        ones.put(LoraRewrite.DROPOUT_INPUT + O, bytes(1, 2, 3, 6));
        zeros.put(LoraRewrite.DROPOUT_INPUT + Q, bytes(0, 2, 3, 4));
        zeros.put(LoraRewrite.DROPOUT_INPUT + O, bytes(0, 2, 3, 6));
        // a mask that keeps everything scales the adapters by 1 / (1 - p); one that drops everything leaves the base layers alone
        assertThat(run(dropped, DType.F32, ones).get("y").toFloats()).containsExactly(run(doubled, DType.F32, feeds).get("y").toFloats());
        Map<String, Tensor> noAdapter = new HashMap<>(feeds);
        plain.weights().forEach((name, v) -> {
            if (name.endsWith("lora_B.weight")) noAdapter.put(name, Tensor.zeros(DType.F32, v.shape().sizes()));
        });
        assertThat(run(dropped, DType.F32, zeros).get("y").toFloats()).containsExactly(run(plain, DType.F32, noAdapter).get("y").toFloats());
    }

    @Test
    void dropoutRateOutsideZeroToOneIsRefused() {
        LoraRewrite.Spec spec = new LoraRewrite.Spec(2, 4, List.of("q_proj"));
        assertThatThrownBy(() -> LoraRewrite.apply(block(), "llm", spec, 1.0)).hasMessageContaining("[0, 1)").hasMessageContaining("1.0");
        assertThatThrownBy(() -> LoraRewrite.apply(block(), "llm", spec, -0.1)).hasMessageContaining("[0, 1)");
    }

    /**
     * The float masks are not held from the forward pass to the backward pass: the backward rules
     * (and the recomputed segments) cast the uint8 input again, and the gradients are those of
     * the plain backward pass. On {@link RecomputeTest}'s decoder with every linear layer adapted.
     */
    @Test
    void theBackwardPassCastsTheMasksAgainInsteadOfHoldingThem() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, RecomputeTest.B, RecomputeTest.T, RecomputeTest.D);
        List<Value> w = new ArrayList<>();
        List<long[]> shapes = RecomputeTest.shapes();
        for (int i = 0; i < shapes.size(); i++) w.add(g.weight(i == 0 ? "fusion" : "llm", "m.w" + i + ".weight", shapes.get(i)));
        Value h = RecomputeTest.decoder(g, x, w);
        g.output("loss", g.sum(g.mul(h, h), false, 0, 1, 2));
        Graph base = g.build();
        Graph adapted = LoraRewrite.apply(base, "llm", new LoraRewrite.Spec(2, 4, LoraRewrite.linearModules(base, "llm")), 0.3).graph();
        List<String> trainable = new ArrayList<>(List.of("fusion/m.w0.weight"));
        adapted.weights().keySet().stream().filter(n -> n.startsWith(LoraRewrite.GROUP + "/")).forEach(trainable::add);
        Random rnd = new Random(3);
        Map<String, Tensor> feeds = randomWeights(adapted, rnd, DType.F32);
        feeds.put("x", GraphHarness.random(rnd, DType.F32, RecomputeTest.B, RecomputeTest.T, RecomputeTest.D));
        adapted.inputs().forEach((name, v) -> {
            if (!name.startsWith(LoraRewrite.DROPOUT_INPUT)) return;
            Tensor m = Tensor.zeros(DType.U8, RecomputeTest.B, RecomputeTest.T, ((dev.iris.api.graph.Dim.Fixed) v.shape().dim(2)).size());
            for (int i = 0; i < m.data().capacity(); i++) m.data().put(i, (byte) (rnd.nextDouble() < 0.3 ? 0 : 1));
            feeds.put(name, m);
        });
        Map<Double, Map<String, Tensor>> grads = new HashMap<>();
        for (double recompute : new double[] {0, 1}) {
            Differentiator d = Differentiator.differentiate(adapted, "loss", trainable, recompute);
            int forwardNodes = d.forward().nodes().size();
            List<Integer> casts = new ArrayList<>();
            for (Graph.Node n : d.forward().nodes()) {
                if (n.op() instanceof Op.Cast c && d.forward().op(c.x()) instanceof Op.Input in && in.name().startsWith(LoraRewrite.DROPOUT_INPUT)) {
                    casts.add(n.value().id());
                }
            }
            assertThat(casts).hasSize(adapted.inputs().size() - 1);
            List<Graph.Node> nodes = d.result.nodes();
            for (Graph.Node n : nodes.subList(forwardNodes, nodes.size())) {
                for (Value in : n.op().inputs()) assertThat(casts).as("backward node %s reads a forward mask", n).doesNotContain(in.id());
            }
            CompiledGraph cg = OnnxCompiler.compile(d.result, DType.F32, List.copyOf(adapted.weights().keySet()));
            try (GraphSession s = GraphHarness.ORT.open(cg, Map.of())) {
                grads.put(recompute, s.run(feeds));
            }
        }
        for (String name : trainable) {
            float[] plain = grads.get(0.0).get(Differentiator.GRAD_PREFIX + name).toFloats();
            float[] re = grads.get(1.0).get(Differentiator.GRAD_PREFIX + name).toFloats();
            double scale = 0;
            for (float f : plain) scale = Math.max(scale, Math.abs(f));
            assertThat(scale).as("gradient of %s is not all zero", name).isGreaterThan(0);
            for (int i = 0; i < plain.length; i++) assertThat((double) re[i]).as("%s[%d]", name, i).isCloseTo(plain[i], Offset.offset(1e-5 * scale));
        }
    }

    /** A uint8 mask of {@code value} everywhere. */
    private static Tensor bytes(int value, long... shape) {
        Tensor t = Tensor.zeros(DType.U8, shape);
        for (int i = 0; i < t.data().capacity(); i++) t.data().put(i, (byte) value);
        return t;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void adapterGradientsMatchFiniteDifferences(boolean dropout) {
        Graph adapted = LoraRewrite.apply(block(), "llm", new LoraRewrite.Spec(2, 3, List.of("q_proj", "o_proj")), dropout ? 0.3 : 0).graph();
        List<String> lora = adapted.weights().keySet().stream().filter(n -> n.startsWith("lora/")).toList();
        assertThat(lora).hasSize(4);
        Graph train = Differentiator.gradients(adapted, "loss", lora, false);
        CompiledGraph cg = OnnxCompiler.compile(train, DType.F64, List.copyOf(adapted.weights().keySet()));
        Random rnd = new Random(7);
        Map<String, Tensor> feeds = randomWeights(adapted, rnd, DType.F64);   // B random too: every path is exercised
        feeds.put("x", GraphHarness.random(rnd, DType.F64, 2, 3, 4));
        adapted.inputs().forEach((name, v) -> {
            if (!name.startsWith(LoraRewrite.DROPOUT_INPUT)) return;
            long[] shape = {2, 3, ((dev.iris.api.graph.Dim.Fixed) v.shape().dim(2)).size()};
            Tensor m = Tensor.zeros(DType.U8, shape);
            for (int i = 0; i < m.data().capacity(); i++) m.data().put(i, (byte) (rnd.nextDouble() < 0.3 ? 0 : 1));
            feeds.put(name, m);
        });
        try (GraphSession s = GraphHarness.ORT.open(cg, Map.of())) {
            Map<String, Tensor> out = s.run(feeds);
            for (String name : lora) {
                double[] analytic = out.get(Differentiator.GRAD_PREFIX + name).toDoubles();
                double[] w = feeds.get(name).toDoubles();
                long[] shape = feeds.get(name).shape();
                for (int k = 0; k < w.length; k++) {
                    double eps = 1e-5;
                    double[] plus = w.clone(), minus = w.clone();
                    plus[k] += eps;
                    minus[k] -= eps;
                    double numeric = (loss(s, feeds, name, plus, shape) - loss(s, feeds, name, minus, shape)) / (2 * eps);
                    assertThat(analytic[k]).as("d loss / d %s[%d]", name, k).isCloseTo(numeric, Offset.offset(1e-6 * Math.max(1, Math.abs(numeric))));
                }
            }
        }
    }

    private static double loss(GraphSession s, Map<String, Tensor> feeds, String name, double[] w, long[] shape) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        f.put(name, Tensor.ofDoubles(w, shape));
        return s.run(f, List.of("loss")).get("loss").getDouble(0);
    }
}
