package dev.iris.runtime.session;

import dev.iris.api.graph.Graph;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.FileWeight;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OnnxExport;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.train.TrainableGraph;
import dev.iris.runtime.weights.WeightBinder;
import dev.iris.runtime.cache.WeightCache;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);
    private final OrtRuntime runtime;
    private final Map<String, WeightSource> sources;
    private final long seed;
    private final CompiledGraph.Quantization quantization;
    private final WeightCache cache;
    private final FrozenWeights weights;
    private final List<GraphSession> opened = new ArrayList<>();
    private final LoadTimes times = new LoadTimes();

    /**
     * @param sources      checkpoints by weight group; a group without one is initialised
     * @param seed         seed of the initialisers of groups without a checkpoint
     * @param quantization how frozen linear-layer weights are stored in inference and training sessions
     */
    public SessionFactory(OrtRuntime runtime, Map<String, WeightSource> sources, long seed, CompiledGraph.Quantization quantization) {
        this(runtime, sources, seed, quantization, WeightCache.fromEnvironment());
    }

    /** @param cache where converted frozen weights are kept between loads ({@link WeightCache#off()} for none) */
    public SessionFactory(OrtRuntime runtime, Map<String, WeightSource> sources, long seed, CompiledGraph.Quantization quantization,
                          WeightCache cache) {
        this.runtime = runtime;
        this.sources = Map.copyOf(sources);
        this.seed = seed;
        this.quantization = quantization;
        this.cache = cache;
        this.weights = new FrozenWeights(cache, quantization);
    }

    /** Float32 weights as stored, no quantization. */
    public SessionFactory(OrtRuntime runtime, Map<String, WeightSource> sources, long seed) {
        this(runtime, sources, seed, CompiledGraph.Quantization.NONE);
    }

    /** The same runtime and checkpoints, with initialisers seeded by {@code otherSeed}. */
    public SessionFactory withSeed(long otherSeed) {
        return new SessionFactory(runtime, sources, otherSeed, quantization, cache);
    }

    public OrtRuntime runtime() {
        return runtime;
    }

    /** An inference session for {@code graph}: every weight frozen, computed in float32. */
    public GraphSession open(Graph graph) {
        long t0 = System.nanoTime();
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of(), quantization);
        long t1 = System.nanoTime();
        FrozenWeights.Bound frozen = weights.initializers(graph, cg, binder());
        long t2 = System.nanoTime();
        GraphSession s = runtime.openPrepared(cg, frozen.inMemory(), frozen.inFiles());
        long t3 = System.nanoTime();
        times.add(t1 - t0, t2 - t1, t3 - t2);
        LOG.debug("session opened: compile {} ms, weights {} ms, ONNX Runtime session {} ms", (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        return track(s);
    }

    /**
     * Writes {@code graph} as the standalone ONNX file {@code fileName} of {@code export}: compiled in
     * float32 whatever {@code runtime.weights} says, its weights bound as a session binds them
     * (checkpoints, else the seeded initialisers in the same order).
     */
    public OnnxExport.Signature export(Graph graph, OnnxExport export, String fileName) {
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of(), CompiledGraph.Quantization.NONE);
        WeightBinder binder = binder();
        OnnxExport.Signature s = export.write(cg, name -> binder.bind(graph, List.of(name), DType.F32).get(name), fileName);
        java.util.Set<Object> named = new java.util.HashSet<>();
        for (OnnxExport.Port in : s.inputs()) named.addAll(in.dims());
        return new OnnxExport.Signature(s.inputs(), s.outputs().stream().map(p -> declared(p, graph, named)).toList());
    }

    /**
     * An output with the dimensions the file leaves open filled in from the graph description: a
     * size, or a symbol an input also names ("batch", "rows"); a symbol made inside the graph stays
     * null, its name meaning nothing to a caller.
     */
    private static OnnxExport.Port declared(OnnxExport.Port p, Graph graph, java.util.Set<Object> inputSymbols) {
        dev.iris.api.graph.Value v = graph.outputs().get(p.name());
        if (v == null || v.shape().rank() != p.dims().size()) return p;
        List<Object> dims = new ArrayList<>(p.dims());
        for (int i = 0; i < dims.size(); i++) {
            if (dims.get(i) != null) continue;
            dims.set(i, switch (v.shape().dim(i)) {
                case dev.iris.api.graph.Dim.Fixed f -> (Object) f.size();
                case dev.iris.api.graph.Dim.Symbol sym -> inputSymbols.contains(sym.name()) ? sym.name() : null;
            });
        }
        return new OnnxExport.Port(p.name(), p.dtype(), java.util.Collections.unmodifiableList(dims));
    }

    /** Counts {@code s} in {@link #weightBytesHeld()} while it is open. */
    private GraphSession track(GraphSession s) {
        synchronized (opened) {
            opened.removeIf(GraphSession::isClosed);
            opened.add(s);
        }
        return s;
    }

    /** The weight cache this factory reads and writes. */
    public WeightCache cache() {
        return cache;
    }

    /** Time spent so far opening inference sessions, by phase. */
    public LoadTimes loadTimes() {
        return times.copy();
    }

    /** Compile, weight and session-creation time summed over the sessions opened (nanoseconds). */
    public static final class LoadTimes {
        private long compile, weights, session;

        synchronized void add(long c, long w, long s) {
            compile += c;
            weights += w;
            session += s;
        }

        synchronized LoadTimes copy() {
            LoadTimes t = new LoadTimes();
            t.add(compile, weights, session);
            return t;
        }

        public double compileSeconds() {
            return compile / 1e9;
        }

        public double weightSeconds() {
            return weights / 1e9;
        }

        public double sessionSeconds() {
            return session / 1e9;
        }
    }

    /**
     * Bytes of frozen weights the open sessions of this factory (inference and training) were given, each counted
     * once however many sessions bind it: a range of a weight-cache file once per file and
     * offset, an in-memory initializer once per session (ONNX Runtime copies those). The host's
     * accounting of what ONNX Runtime reads; its pre-packed copies replace, not add to, the
     * file pages they were made from (it drops those mappings).
     */
    public long weightBytesHeld() {
        java.util.Set<String> ranges = new java.util.HashSet<>();
        long n = 0;
        synchronized (opened) {
            for (GraphSession s : opened) {
                if (s.isClosed()) continue;
                for (FileWeight f : s.fileInitializers().values()) if (ranges.add(f.file() + "@" + f.offset())) n += f.length();
                for (long b : s.memoryInitializerBytes().values()) n += b;
            }
        }
        return n;
    }

    /** The initializers the open sessions read from files (the weight cache), by initializer name ({@code group/name}, codes and scales with their suffixes). */
    public Map<String, FileWeight> fileWeights() {
        Map<String, FileWeight> out = new java.util.LinkedHashMap<>();
        synchronized (opened) {
            for (GraphSession s : opened) if (!s.isClosed()) out.putAll(s.fileInitializers());
        }
        return out;
    }

    /**
     * A training session for {@code forward}: its gradient graph with the {@code trainable} weights
     * fed as parameters and the rest frozen, held as this factory's quantization says (see
     * {@link #openTrainable(Graph, String, List, double)}).
     */
    public TrainableGraph openTrainable(Graph forward, String lossName, List<String> trainable) {
        return openTrainable(forward, lossName, trainable, 0);
    }

    /**
     * As {@link #openTrainable(Graph, String, List)}; {@code recompute}: the share of activations recomputed in
     * the backward pass. Frozen weights with a checkpoint on disk are read in place from the
     * weight cache, as inference reads them: converting them in memory held each one twice while
     * the session was created (the converted copy and ONNX Runtime's). With int8 quantization
     * (blocks or per channel) the frozen linear layers are bound as the same codes inference
     * maps, never as float32 (QLoRA-style); int4 has no training form here and is refused.
     */
    public TrainableGraph openTrainable(Graph forward, String lossName, List<String> trainable, double recompute) {
        if (quantization.enabled() && quantization.bits() != 8) {
            throw new IllegalArgumentException("runtime.weights: " + quantization.spec()
                    + " is not supported for training (frozen base weights can be int8 or int8_channel)");
        }
        return new TrainableGraph(forward, lossName, trainable, binder(), recompute, quantization, (train, compiled) -> {
            FrozenWeights.Bound frozen = weights.initializers(train, compiled, binder());
            return track(runtime.openPrepared(compiled, frozen.inMemory(), frozen.inFiles()));
        });
    }

    private WeightBinder binder() {
        return new WeightBinder(sources, seed);
    }
}
