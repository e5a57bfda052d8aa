package dev.iris.testkit;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compiles a graph, binds its weights by qualified name and runs it once on ONNX Runtime (CPU, one thread). */
public final class GraphRun {
    private static final OrtRuntime ORT = OrtRuntime.cpu(1);

    private GraphRun() {}

    /**
     * Runs {@code graph} with {@code weights} (qualified names, {@code group/name}) and
     * {@code feeds} at {@code precision}; floating tensors are converted to it.
     */
    public static Map<String, Tensor> run(Graph graph, Map<String, Tensor> weights, Map<String, Tensor> feeds, DType precision) {
        CompiledGraph compiled = OnnxCompiler.compile(graph, precision, List.of());
        try (GraphSession s = ORT.open(compiled, frozen(compiled, weights, precision))) {
            return s.run(at(feeds, precision));
        }
    }

    /** Opens a session for repeated runs (the caller closes it); trainable weights are then fed like inputs. */
    public static GraphSession open(CompiledGraph compiled, Map<String, Tensor> weights, DType precision) {
        return ORT.open(compiled, frozen(compiled, weights, precision));
    }

    private static Map<String, Tensor> frozen(CompiledGraph compiled, Map<String, Tensor> weights, DType precision) {
        Map<String, Tensor> frozen = new HashMap<>();
        for (String name : compiled.frozen().keySet()) {
            Tensor w = weights.get(name);
            if (w == null) throw new AssertionError("no test value for weight " + name + " (weights: " + weights.keySet() + ")");
            frozen.put(name, at(w, precision));
        }
        return frozen;
    }

    /** Floating feeds at {@code precision}; integer feeds as they are. */
    public static Map<String, Tensor> at(Map<String, Tensor> feeds, DType precision) {
        Map<String, Tensor> out = new HashMap<>();
        feeds.forEach((k, v) -> out.put(k, at(v, precision)));
        return out;
    }

    static Tensor at(Tensor t, DType precision) {
        boolean floating = t.dtype() == DType.F32 || t.dtype() == DType.F64 || t.dtype() == DType.F16 || t.dtype() == DType.BF16;
        return floating ? t.toFloating(precision) : t;
    }
}
