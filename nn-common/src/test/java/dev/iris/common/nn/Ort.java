package dev.iris.common.nn;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Runs a test graph through ONNX Runtime with weights of group {@value #GROUP} given by name. */
final class Ort {
    static final String GROUP = "t";
    private static final OrtRuntime ORT = OrtRuntime.cpu(1);

    private Ort() {}

    static Map<String, Tensor> run(Graph graph, Map<String, float[]> weights, Map<String, Tensor> feeds) {
        Map<String, Tensor> shaped = new HashMap<>();
        graph.weights().forEach((qualified, v) -> {
            String name = qualified.substring(GROUP.length() + 1);
            float[] values = weights.get(name);
            if (values == null) throw new IllegalArgumentException("the test gives no weight " + name);
            shaped.put(name, Tensor.ofFloats(values, v.shape().sizes()));
        });
        WeightBinder binder = new WeightBinder(Map.of(GROUP, new MapWeightSource(shaped)), 0);
        var compiled = OnnxCompiler.compile(graph, DType.F32, List.of(), CompiledGraph.Quantization.NONE);
        try (GraphSession s = ORT.open(compiled, binder.bind(graph, compiled.frozen().keySet(), DType.F32))) {
            return s.run(feeds);
        }
    }

    static float[] gauss(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    /** Row-major [rows][cols] of a flat array. */
    static double[][] rows(float[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[i][j] = flat[i * cols + j];
        return out;
    }

    /** {@code x W^T + b} with W [out][in] flat; b may be null. */
    static double[][] linear(double[][] x, float[] w, float[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) s += x[t][i] * w[o * in + i];
            y[t][o] = s;
        }
        return y;
    }
}
