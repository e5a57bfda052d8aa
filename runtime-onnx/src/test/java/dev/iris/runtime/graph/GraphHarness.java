package dev.iris.runtime.graph;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** Test support: runs descriptions through the real compiler and ONNX Runtime, and checks gradients numerically. */
final class GraphHarness {
    static final OrtRuntime ORT = OrtRuntime.cpu(1);

    private GraphHarness() {}

    static Map<String, Tensor> run(Graph g, DType precision, Map<String, Tensor> feeds) {
        CompiledGraph cg = OnnxCompiler.compile(g, precision, List.of());
        try (GraphSession s = ORT.open(cg, Map.of())) {
            return s.run(feeds);
        }
    }

    static Tensor random(Random rnd, DType dtype, long... shape) {
        int n = (int) Tensor.numel(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian();
        Tensor t = Tensor.ofDoubles(v, shape);
        return dtype == DType.F64 ? t : t.toFloating(dtype);
    }

    /**
     * Checks the gradient of {@code sum(f(w) * R)} for random weights w of the given shapes against
     * central finite differences, in float64.
     */
    static void checkGradient(long seed, List<long[]> shapes, BiFunction<GraphBuilder, List<Value>, Value> f) {
        checkGradient(seed, shapes, f, false);
    }

    /** As above; {@code recompute}: the gradient graph recomputes activations (gradient checkpointing). */
    static void checkGradient(long seed, List<long[]> shapes, BiFunction<GraphBuilder, List<Value>, Value> f, boolean recompute) {
        Random rnd = new Random(seed);
        GraphBuilder g = new GraphBuilder();
        List<Value> ws = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            ws.add(g.weight("t", "w" + i, shapes.get(i)));
            names.add("t/w" + i);
        }
        Value y = f.apply(g, ws);
        Tensor r = random(rnd, DType.F32, y.shape().sizes());
        int[] all = new int[y.rank()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        Value loss = y.rank() == 0 ? g.mul(y, g.constant(r)) : g.sum(g.mul(y, g.constant(r)), false, all);
        g.output("loss", loss);
        Graph train = Differentiator.gradients(g.build(), "loss", names, recompute);
        CompiledGraph cg = OnnxCompiler.compile(train, DType.F64, names);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < shapes.size(); i++) feeds.put(names.get(i), random(rnd, DType.F64, shapes.get(i)));
        try (GraphSession s = ORT.open(cg, Map.of())) {
            Map<String, Tensor> out = s.run(feeds);
            for (int i = 0; i < shapes.size(); i++) {
                String name = names.get(i);
                double[] analytic = out.get(Differentiator.GRAD_PREFIX + name).toDoubles();
                double[] w = feeds.get(name).toDoubles();
                assertThat(analytic).hasSize(w.length);
                double eps = 1e-5;
                for (int k = 0; k < w.length; k++) {
                    double[] plus = w.clone(), minus = w.clone();
                    plus[k] += eps;
                    minus[k] -= eps;
                    double lp = lossAt(s, feeds, name, plus, shapes.get(i));
                    double lm = lossAt(s, feeds, name, minus, shapes.get(i));
                    double numeric = (lp - lm) / (2 * eps);
                    double tol = 1e-6 * Math.max(1, Math.abs(numeric));
                    assertThat(analytic[k]).as("d loss / d %s[%d]", name, k).isCloseTo(numeric, org.assertj.core.data.Offset.offset(tol));
                }
            }
        }
    }

    private static double lossAt(GraphSession s, Map<String, Tensor> feeds, String name, double[] w, long[] shape) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        f.put(name, Tensor.ofDoubles(w, shape));
        return s.run(f, List.of("loss")).get("loss").getDouble(0);
    }
}
