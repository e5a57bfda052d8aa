package dev.iris.runtime.train;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.Differentiator;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.WeightBinder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forward graph made trainable: its gradient graph compiled once, frozen weights bound into
 * the session, trainable parameters held here (float32, updated in place) and fed on each run.
 */
public final class TrainableGraph implements AutoCloseable {
    private final GraphSession session;
    private final String lossName;
    private final Map<String, Tensor> params;

    /** One forward and backward pass: the loss, the other forward outputs and the gradients by parameter name. */
    public record Pass(double loss, Map<String, Tensor> outputs, Map<String, Tensor> grads) {}

    /**
     * Opens the compiled gradient graph with its frozen weights bound: converted in memory (which
     * ONNX Runtime then copies), or read in place from the weight cache as inference does.
     */
    @FunctionalInterface
    public interface FrozenBinding {
        GraphSession open(Graph train, CompiledGraph compiled);

        /** Frozen weights converted in memory by {@code binder} and given to {@code runtime}. */
        static FrozenBinding inMemory(OrtRuntime runtime, WeightBinder binder) {
            return (train, compiled) -> runtime.open(compiled, binder.bind(train, compiled.frozen().keySet(), DType.F32));
        }
    }

    public TrainableGraph(OrtRuntime runtime, Graph forward, String lossName, List<String> trainable, WeightBinder binder) {
        this(forward, lossName, trainable, binder, 0, FrozenBinding.inMemory(runtime, binder));
    }

    /**
     * @param binder    gives the trainable parameters their starting values
     * @param recompute the share of activations recomputed in the backward pass, 0 to 1 (see {@link Differentiator#gradients(Graph, String, java.util.Collection, double)})
     * @param frozen    how the frozen weights reach the session
     */
    public TrainableGraph(Graph forward, String lossName, List<String> trainable, WeightBinder binder, double recompute, FrozenBinding frozen) {
        this(forward, lossName, trainable, binder, recompute, CompiledGraph.Quantization.NONE, frozen);
    }

    /**
     * As above; {@code base}: how the frozen linear layers' weights are held (int8 codes for a
     * QLoRA-style run: the forward pass reads the codes, the backward product dx = dy W
     * dequantizes them next to it; see {@code OnnxCompiler}). The trainable weights stay float.
     */
    public TrainableGraph(Graph forward, String lossName, List<String> trainable, WeightBinder binder, double recompute,
                          CompiledGraph.Quantization base, FrozenBinding frozen) {
        Graph train = Differentiator.gradients(forward, lossName, trainable, recompute);
        CompiledGraph compiled = OnnxCompiler.compile(train, DType.F32, trainable, base);
        this.params = new LinkedHashMap<>();
        binder.bind(train, trainable, DType.F32).forEach((k, t) -> params.put(k, WeightBinder.writableCopy(t)));
        this.session = frozen.open(train, compiled);
        this.lossName = lossName;
    }

    /** The trainable parameters; optimizers update these tensors in place. */
    public Map<String, Tensor> parameters() {
        return params;
    }

    public Pass forwardBackward(Map<String, Tensor> batch) {
        Map<String, Tensor> feeds = new HashMap<>(batch);
        feeds.putAll(params);
        Map<String, Tensor> out = session.run(feeds);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        Map<String, Tensor> rest = new LinkedHashMap<>();
        out.forEach((k, v) -> {
            if (k.startsWith(Differentiator.GRAD_PREFIX)) grads.put(k.substring(Differentiator.GRAD_PREFIX.length()), v);
            else rest.put(k, v);
        });
        return new Pass(out.get(lossName).getDouble(0), rest, grads);
    }

    @Override
    public void close() {
        session.close();
    }
}
