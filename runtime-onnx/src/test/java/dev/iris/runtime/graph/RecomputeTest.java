package dev.iris.runtime.graph;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradient checkpointing: on a small pre-norm decoder (RMS norm, rotary grouped-query attention,
 * SiLU-gated MLP, residual adds) behind a trainable input projection, as in stage 1.
 */
class RecomputeTest {
    static final long B = 2, T = 5, D = 16, HEADS = 4, KV = 2, HD = 4, FF = 24, LAYERS = 3;

    /** Weights in order; the first is the projection (stage 1 trains it alone). */
    static List<long[]> shapes() {
        List<long[]> s = new ArrayList<>();
        s.add(new long[] {D, D});
        for (int l = 0; l < LAYERS; l++) {
            s.add(new long[] {D});
            s.add(new long[] {HEADS * HD, D});
            s.add(new long[] {KV * HD, D});
            s.add(new long[] {KV * HD, D});
            s.add(new long[] {D, HEADS * HD});
            s.add(new long[] {D});
            s.add(new long[] {FF, D});
            s.add(new long[] {FF, D});
            s.add(new long[] {D, FF});
        }
        return s;
    }

    /** The decoder over {@code x} ([B, T, D]); positions and a causal mask are constants. */
    static Value decoder(GraphBuilder g, Value x, List<Value> w) {
        long[] pos = new long[(int) (B * T)];
        float[] mask = new float[(int) (T * T)];
        for (int i = 0; i < pos.length; i++) pos[i] = i % T;
        for (int i = 0; i < T; i++) for (int j = 0; j < T; j++) mask[(int) (i * T + j)] = j <= i ? 0f : -1e9f;
        Value positions = g.constant(Tensor.ofLongs(pos, B, T));
        Value m = g.constant(Tensor.ofFloats(mask, 1, 1, T, T));
        Value h = g.linear(x, w.get(0), null);
        for (int l = 0; l < LAYERS; l++) {
            int o = 1 + 9 * l;
            Value n = g.rmsNorm(h, w.get(o), 1e-6);
            Value q = g.rotary(g.transpose(g.reshape(g.linear(n, w.get(o + 1), null), 0, 0, HEADS, HD), 0, 2, 1, 3), positions, 10000);
            Value k = g.rotary(g.transpose(g.reshape(g.linear(n, w.get(o + 2), null), 0, 0, KV, HD), 0, 2, 1, 3), positions, 10000);
            Value v = g.transpose(g.reshape(g.linear(n, w.get(o + 3), null), 0, 0, KV, HD), 0, 2, 1, 3);
            Value a = g.reshape(g.transpose(g.attention(q, k, v, m, 1 / Math.sqrt(HD)), 0, 2, 1, 3), 0, 0, HEADS * HD);
            h = g.add(h, g.linear(a, w.get(o + 4), null));
            Value n2 = g.rmsNorm(h, w.get(o + 5), 1e-6);
            h = g.add(h, g.linear(g.mul(g.silu(g.linear(n2, w.get(o + 6), null)), g.linear(n2, w.get(o + 7), null)), w.get(o + 8), null));
        }
        return h;
    }

    private static Graph model(GraphBuilder g, List<String> names) {
        Value x = g.input("x", DType.F32, B, T, D);
        List<Value> w = new ArrayList<>();
        List<long[]> s = shapes();
        for (int i = 0; i < s.size(); i++) {
            w.add(g.weight("t", "w" + i, s.get(i)));
            names.add("t/w" + i);
        }
        Value h = decoder(g, x, w);
        float[] r = new float[(int) (B * T * D)];
        Random rnd = new Random(5);
        for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
        g.output("loss", g.sum(g.mul(h, g.constant(Tensor.ofFloats(r, B, T, D))), false, 0, 1, 2));
        return g.build();
    }

    private static Map<String, Tensor> grads(Graph graph, List<String> names, List<String> trainable, double recompute) {
        Graph train = Differentiator.gradients(graph, "loss", trainable, recompute);
        CompiledGraph cg = OnnxCompiler.compile(train, DType.F32, trainable);
        Random rnd = new Random(11);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("x", GraphHarness.random(rnd, DType.F32, B, T, D));
        List<long[]> s = shapes();
        Map<String, Tensor> frozen = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Tensor t = GraphHarness.random(rnd, DType.F32, s.get(i));
            if (trainable.contains(names.get(i))) feeds.put(names.get(i), t);
            else frozen.put(names.get(i), t);
        }
        try (GraphSession session = GraphHarness.ORT.open(cg, frozen)) {
            return session.run(feeds);
        }
    }

    private static void assertSameGradients(List<String> trainable) {
        List<String> names = new ArrayList<>();
        Graph graph = model(new GraphBuilder(), names);
        List<String> t = trainable == null ? names : trainable;
        Map<String, Tensor> plain = grads(graph, names, t, 0), re = grads(graph, names, t, 1);
        for (String name : t) {
            float[] a = plain.get(Differentiator.GRAD_PREFIX + name).toFloats(), b = re.get(Differentiator.GRAD_PREFIX + name).toFloats();
            double scale = 0;
            for (float f : a) scale = Math.max(scale, Math.abs(f));
            assertThat(scale).as("gradient of %s is not all zero", name).isGreaterThan(0);
            for (int i = 0; i < a.length; i++) {
                assertThat((double) b[i]).as("%s[%d]", name, i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-6 * scale));
            }
        }
    }

    @Test
    void recomputingAShareOfTheSegmentsGivesTheSameGradientsAndRecomputesLess() {
        List<String> names = new ArrayList<>();
        Graph graph = model(new GraphBuilder(), names);
        Differentiator all = Differentiator.differentiate(graph, "loss", List.of("t/w0"), 1.0);
        Differentiator half = Differentiator.differentiate(graph, "loss", List.of("t/w0"), 0.5);
        Differentiator none = Differentiator.differentiate(graph, "loss", List.of("t/w0"), 0.0);
        assertThat(none.recomputedValues()).isEmpty();
        assertThat(half.recomputedValues().size()).isPositive().isLessThan(all.recomputedValues().size());
        // by size: the MLP segments (FF wide) are not all kept while only attention ones are recomputed
        long bigAll = all.recomputedValues().stream().filter(v -> v.shape().toString().contains(String.valueOf(FF))).count();
        long bigHalf = half.recomputedValues().stream().filter(v -> v.shape().toString().contains(String.valueOf(FF))).count();
        assertThat(bigHalf).as("recomputed FF-wide values").isPositive().isLessThan(bigAll);
        List<String> t = List.of("t/w0");
        Map<String, Tensor> plain = grads(graph, names, t, 0), re = grads(graph, names, t, 0.5);
        float[] a = plain.get(Differentiator.GRAD_PREFIX + "t/w0").toFloats(), b = re.get(Differentiator.GRAD_PREFIX + "t/w0").toFloats();
        double scale = 0;
        for (float f : a) scale = Math.max(scale, Math.abs(f));
        for (int i = 0; i < a.length; i++) assertThat((double) b[i]).as("[%d]", i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-6 * scale));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Differentiator.differentiate(graph, "loss", t, 1.5))
                .hasMessageContaining("share of segments to recompute must be in [0, 1]");
    }

    @Test
    void stageOneGradientsEqualThoseWithoutRecomputation() {
        assertSameGradients(List.of("t/w0"));
    }

    @Test
    void everyWeightsGradientEqualsThatWithoutRecomputation() {
        assertSameGradients(null);
    }

    @Test
    void recomputedGradientsMatchFiniteDifferencesInFloat64() {
        // weights halved: central differences of a deeper function carry more truncation error at unit scale
        GraphHarness.checkGradient(900, shapes(), (g, w) -> decoder(g, g.constant(GraphHarness.random(new Random(3), DType.F64, B, T, D)),
                w.stream().map(v -> g.mul(v, 0.5)).toList()), true);
    }

    /**
     * Segment boundaries of different ranks (the residual stream [B, T, D] and a head-split
     * [B, T, HEADS, HD] value, as in a cross-attention block): the start's tie to the end's
     * gradient must keep the start's shape. It once broadcast the start to the end's rank.
     */
    @Test
    void boundariesOfDifferentRanksKeepTheirShapes() {
        List<String> names = new ArrayList<>();
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, B, T, D);
        Value h = g.linear(x, g.weight("t", "w0", D, D), null);
        names.add("t/w0");
        for (int l = 0; l < 3; l++) {
            Value split = g.reshape(h, 0, 0, HEADS, HD);                       // rank 4 in the middle of the chain
            for (int i = 0; i < Differentiator.MIN_SEGMENT_NODES; i++) split = g.tanh(g.mul(split, 0.9));
            // declared after the chain: a weight read later would reach past (and forbid) a cut in it
            Value w1 = g.weight("t", "w" + (l + 1), D, D);
            names.add("t/w" + (l + 1));
            h = g.linear(g.reshape(split, 0, 0, D), w1, null);                  // back to rank 3
            for (int i = 0; i < Differentiator.MIN_SEGMENT_NODES; i++) h = g.tanh(g.mul(h, 0.9));
        }
        g.output("loss", g.sum(h, false, 0, 1, 2));
        Graph graph = g.build();

        Differentiator plan = Differentiator.differentiate(graph, "loss", names, true);
        List<Integer> ranks = plan.checkpoints().stream().map(Value::rank).distinct().toList();
        assertThat(ranks).as("checkpoint ranks of %s in %s", plan.checkpoints(), plan.forward().nodes().size()).contains(3, 4);
        Random rnd = new Random(2);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("x", GraphHarness.random(rnd, DType.F32, B, T, D));
        for (String name : names) feeds.put(name, GraphHarness.random(rnd, DType.F32, D, D));
        Map<String, Tensor> plain, re;
        try (GraphSession s = GraphHarness.ORT.open(OnnxCompiler.compile(Differentiator.gradients(graph, "loss", names, false), DType.F32, names), Map.of())) {
            plain = s.run(feeds);
        }
        try (GraphSession s = GraphHarness.ORT.open(OnnxCompiler.compile(Differentiator.gradients(graph, "loss", names, true), DType.F32, names), Map.of())) {
            re = s.run(feeds);
        }
        for (String name : names) {
            float[] a = plain.get(Differentiator.GRAD_PREFIX + name).toFloats(), b = re.get(Differentiator.GRAD_PREFIX + name).toFloats();
            assertThat(b).as(name).hasSameSizeAs(a);
            for (int i = 0; i < a.length; i++) assertThat(b[i]).as("%s[%d]", name, i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** Whether a backward node reads {@code in} for its values (not only its shape). */
    private static boolean readsData(Op op, Value in) {
        return switch (op) {
            case Op.ReshapeLike r -> r.x().equals(in);
            case Op.ExpandLike e -> e.x().equals(in);
            case Op.ConcatGradPart c -> c.grad().equals(in);
            case Op.ScatterAddRows s -> !s.like().equals(in);
            default -> true;
        };
    }

    @Test
    void theBackwardPassReadsOnlyCheckpointsOfTheDecoder() {
        List<String> names = new ArrayList<>();
        Graph graph = model(new GraphBuilder(), names);
        Differentiator d = Differentiator.differentiate(graph, "loss", List.of("t/w0"), true);
        // two boundaries per layer (after attention, after the MLP), less the last one's head
        assertThat(d.checkpoints()).hasSizeGreaterThanOrEqualTo((int) (2 * LAYERS - 1));
        int forwardNodes = d.forward().nodes().size();
        int recomputedNodes = 0;
        for (Graph.Node n : d.result.nodes().subList(forwardNodes, d.result.nodes().size())) {
            for (Value in : n.op().inputs()) {
                if (in.id() < forwardNodes && readsData(n.op(), in)) {
                    assertThat(d.isRecomputed(in)).as("backward node %s reads the forward activation %s", n.op(), in).isFalse();
                }
            }
            if (!(n.op() instanceof Op.Constant)) recomputedNodes++;
        }
        assertThat(recomputedNodes).isPositive();
        // without recomputation the same backward pass holds activations inside the segments (the SiLU gate, softmax, ...)
        Differentiator plain = Differentiator.differentiate(graph, "loss", List.of("t/w0"), false);
        boolean holds = false;
        for (Graph.Node n : plain.result.nodes().subList(forwardNodes, plain.result.nodes().size())) {
            for (Value in : n.op().inputs()) if (in.id() < forwardNodes && readsData(n.op(), in) && d.isRecomputed(in)) holds = true;
        }
        assertThat(holds).isTrue();
    }

    @Test
    void recomputationStartsOnlyOnceTheGradientReachedTheSegment() {
        List<String> names = new ArrayList<>();
        Graph graph = model(new GraphBuilder(), names);
        Differentiator d = Differentiator.differentiate(graph, "loss", List.of("t/w0"), true);
        List<Graph.Node> nodes = d.result.nodes();
        int forwardNodes = d.forward().nodes().size();
        // the first backward node is the loss's gradient seed; mark everything that depends on it
        assertThat(nodes.get(forwardNodes).op()).isInstanceOf(Op.Constant.class);
        boolean[] fromGrad = new boolean[nodes.size()];
        fromGrad[forwardNodes] = true;
        for (int i = forwardNodes + 1; i < nodes.size(); i++) {
            for (Value in : nodes.get(i).op().inputs()) if (fromGrad[in.id()]) fromGrad[i] = true;
        }
        assertThat(d.recomputedValues()).isNotEmpty();
        for (Value v : d.recomputedValues()) {
            // a copy without the dependency could be run (and its result held) from the forward pass on
            assertThat(fromGrad[v.id()]).as("recomputed %s depends on a gradient", nodes.get(v.id()).op()).isTrue();
        }
    }
}
