package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.Differentiator;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Gradients of a scalar loss with respect to weights, from the runtime's differentiator, against
 * central finite differences, all in float64 so a wrong derivative cannot hide in rounding.
 */
public final class GradientCheck {
    public static final String LOSS = "loss";
    private static final double STEP = 1e-6;

    private GradientCheck() {}

    /** Adds output {@code loss = sum(out * ramp)}: every element of {@code out} counts, each with its own weight. */
    public static void lossOf(GraphBuilder g, Value out) {
        long[] shape = out.shape().sizes();
        int[] axes = new int[shape.length];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        g.output(LOSS, g.sum(g.mul(out, g.constant(TestWeights.ramp(shape).toFloating(DType.F32))), false, axes));
    }

    /**
     * Checks {@code probes} random entries of each trainable weight and returns the analytic
     * gradients by weight name.
     */
    public static Map<String, double[]> check(Graph forward, Map<String, Tensor> weights, Map<String, Tensor> feeds,
                                              List<String> trainable, int probes, long seed) {
        Graph train = Differentiator.gradients(forward, LOSS, trainable);
        CompiledGraph compiled = OnnxCompiler.compile(train, DType.F64, trainable);
        Map<String, Tensor> in = new HashMap<>(GraphRun.at(feeds, DType.F64));
        for (String q : trainable) in.put(q, GraphRun.at(weights.get(q), DType.F64));
        Map<String, double[]> grads = new HashMap<>();
        Random r = new Random(seed);
        try (GraphSession s = GraphRun.open(compiled, weights, DType.F64)) {
            Map<String, Tensor> out = s.run(in);
            for (String q : trainable) {
                Tensor gradient = out.get(Differentiator.GRAD_PREFIX + q);
                assertThat(gradient).as("gradient of %s", q).isNotNull();
                double[] w = in.get(q).toDoubles(), grad = gradient.toDoubles();
                grads.put(q, grad);
                for (int p = 0; p < Math.min(probes, w.length); p++) {
                    int k = r.nextInt(w.length);
                    double[] plus = w.clone(), minus = w.clone();
                    plus[k] += STEP;
                    minus[k] -= STEP;
                    long[] shape = in.get(q).shape();
                    double numeric = (loss(s, in, q, plus, shape) - loss(s, in, q, minus, shape)) / (2 * STEP);
                    assertThat(grad[k]).as("d loss / d %s[%d]", q, k).isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
                }
            }
        }
        return grads;
    }

    private static double loss(GraphSession s, Map<String, Tensor> feeds, String name, double[] w, long[] shape) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        f.put(name, Tensor.ofDoubles(w, shape));
        return s.run(f, List.of(LOSS)).get(LOSS).getDouble(0);
    }
}
