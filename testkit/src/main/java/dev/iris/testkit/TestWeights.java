package dev.iris.testkit;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Seeded random values for every weight a graph asks for, kept in float64 and converted per run. */
public final class TestWeights {
    private TestWeights() {}

    /** How one weight's values are drawn. */
    @FunctionalInterface
    public interface Init {
        double value(String qualifiedName, long[] shape, Random random);
    }

    /** Norm gains around 1, everything else centred on 0 with a spread that keeps activations off their linear range. */
    public static final Init DEFAULT = (name, shape, r) -> {
        if (name.contains("norm") && name.endsWith(".weight")) return 1 + 0.1 * r.nextGaussian();
        if (name.endsWith(".bias")) return 0.1 * r.nextGaussian();
        return 0.3 * r.nextGaussian();
    };

    /** Values for every weight of {@code graph} by qualified name, F64. */
    public static Map<String, Tensor> random(Graph graph, long seed, Init init) {
        Random r = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        graph.weights().forEach((name, v) -> {
            long[] shape = v.shape().sizes();
            double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
            for (int i = 0; i < d.length; i++) d[i] = init.value(name, shape, r);
            out.put(name, Tensor.ofDoubles(d, shape));
        });
        return out;
    }

    /** Gaussian values of {@code shape} as an F64 tensor. */
    public static Tensor gaussian(Random r, long... shape) {
        double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return Tensor.ofDoubles(d, shape);
    }

    /** A fixed, non-symmetric weighting for a scalar loss {@code sum(out * ramp)}. */
    public static Tensor ramp(long... shape) {
        double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = Math.sin(i + 1);
        return Tensor.ofDoubles(d, shape);
    }
}
