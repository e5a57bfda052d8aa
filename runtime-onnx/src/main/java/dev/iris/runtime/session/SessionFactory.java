package dev.iris.runtime.session;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.train.TrainableGraph;
import dev.iris.runtime.weights.WeightBinder;
import java.util.List;
import java.util.Map;

/**
 * Turns a model graph into a running session: compile to ONNX, bind the frozen weights from each
 * group's checkpoint (or initialise a group that has none), open it on the runtime. Generation,
 * training, evaluation and the feature cache all open their graphs here, so a change to how a
 * graph is compiled or bound is made once.
 *
 * <p>Every graph gets a fresh binder seeded with {@code seed}: a group without a checkpoint is
 * initialised the same way in every graph that uses it, whatever was opened before.
 */
public final class SessionFactory {
    private final OrtRuntime runtime;
    private final Map<String, WeightSource> sources;
    private final long seed;
    private final CompiledGraph.Quantization quantization;

    /**
     * @param sources      checkpoints by weight group; a group without one is initialised
     * @param seed         seed of the initialisers of groups without a checkpoint
     * @param quantization how frozen linear-layer weights are stored in inference sessions
     */
    public SessionFactory(OrtRuntime runtime, Map<String, WeightSource> sources, long seed, CompiledGraph.Quantization quantization) {
        this.runtime = runtime;
        this.sources = Map.copyOf(sources);
        this.seed = seed;
        this.quantization = quantization;
    }

    /** Float32 weights as stored, no quantization. */
    public SessionFactory(OrtRuntime runtime, Map<String, WeightSource> sources, long seed) {
        this(runtime, sources, seed, CompiledGraph.Quantization.NONE);
    }

    /** The same runtime and checkpoints, with initialisers seeded by {@code otherSeed}. */
    public SessionFactory withSeed(long otherSeed) {
        return new SessionFactory(runtime, sources, otherSeed, quantization);
    }

    public OrtRuntime runtime() {
        return runtime;
    }

    /** An inference session for {@code graph}: every weight frozen, computed in float32. */
    public GraphSession open(Graph graph) {
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of(), quantization);
        Map<String, Tensor> frozen = binder().bind(graph, cg.frozen().keySet(), DType.F32);
        return runtime.open(cg, frozen);
    }

    /**
     * A training session for {@code forward}: its gradient graph with the {@code trainable} weights
     * fed as parameters and the rest frozen (never quantized: training reads float weights).
     */
    public TrainableGraph openTrainable(Graph forward, String lossName, List<String> trainable) {
        return new TrainableGraph(runtime, forward, lossName, trainable, binder());
    }

    /** As {@link #openTrainable(Graph, String, List)}; {@code recompute}: recompute activations in the backward pass. */
    public TrainableGraph openTrainable(Graph forward, String lossName, List<String> trainable, boolean recompute) {
        return new TrainableGraph(runtime, forward, lossName, trainable, binder(), recompute);
    }

    private WeightBinder binder() {
        return new WeightBinder(sources, seed);
    }
}
