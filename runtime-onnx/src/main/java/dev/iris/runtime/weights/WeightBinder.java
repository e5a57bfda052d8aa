package dev.iris.runtime.weights;

import dev.iris.api.graph.Init;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Binds a graph's weights by name: each weight group (vision, llm, fusion) reads from its own
 * checkpoint. Shapes are checked against what the graph asked for; stored dtypes (F16, BF16)
 * are converted to the compute precision; a NaN or infinite value is an error naming the tensor,
 * its file and the element. A group with a checkpoint takes every weight from it (an absent one
 * is an error naming it); only a group without one is initialised from the declared {@link Init}s.
 */
public final class WeightBinder {
    private final Map<String, WeightSource> sources;
    private final Random random;

    /** @param sources checkpoints by weight group; a group without one is initialised */
    public WeightBinder(Map<String, WeightSource> sources, long seed) {
        this.sources = Map.copyOf(sources);
        this.random = new Random(seed);
    }

    /** Tensors for the named weights of a graph, in {@code precision}. */
    public Map<String, Tensor> bind(Graph graph, Iterable<String> qualifiedNames, DType precision) {
        Map<String, Value> weights = graph.weights();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String q : qualifiedNames) {
            Value v = weights.get(q);
            if (v == null) throw new IllegalArgumentException("graph has no weight " + q);
            out.put(q, bindOne((Op.Weight) graph.op(v), v.shape().sizes(), precision));
        }
        return out;
    }

    /** Every weight of the graph. */
    public Map<String, Tensor> bindAll(Graph graph, DType precision) {
        return bind(graph, graph.weights().keySet(), precision);
    }

    private Tensor bindOne(Op.Weight w, long[] shape, DType precision) {
        WeightSource src = sources.get(w.group());
        if (src == null) {
            if (w.init() instanceof Init.Required) {
                throw new WeightException("missing weight " + w.name() + ": no checkpoint was given for group '" + w.group() + "'");
            }
            return initialise(w.init(), shape, precision);
        }
        return stored(w.group(), w.name(), shape).toFloating(precision);
    }

    /** The group's checkpoint, if it has one (else its weights are initialised). */
    public java.util.Optional<WeightSource> source(String group) {
        return java.util.Optional.ofNullable(sources.get(group));
    }

    /**
     * Weight {@code name} of {@code group}'s checkpoint as stored (a view, no conversion), after
     * the checks binding makes: present, of {@code shape}, a float type, every value finite.
     */
    public Tensor stored(String group, String name, long[] shape) {
        WeightSource src = sources.get(group);
        if (src == null) throw new WeightException("missing weight " + name + ": no checkpoint was given for group '" + group + "'");
        // a group with a checkpoint takes every weight from it: initialising one would hide a wrong file
        WeightSource.Info info = src.info(name).orElseThrow(() -> new WeightException("missing weight " + name
                + ": it is not in " + src.describe()));
        if (!Arrays.equals(info.shape(), shape)) {
            throw new WeightException("weight " + name + " in " + src.origin(name) + " has shape " + Arrays.toString(info.shape())
                    + ", the model expects " + Arrays.toString(shape));
        }
        if (!info.dtype().isFloating()) {
            throw new WeightException("weight " + name + " in " + src.origin(name) + " is " + info.dtype() + ", a float type is needed");
        }
        Tensor stored = src.read(name);
        NonFinite.check(stored, name, src.origin(name));
        return stored;
    }

    private Tensor initialise(Init init, long[] shape, DType precision) {
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] v = new float[n];
        switch (init) {
            case Init.Zeros z -> {}
            case Init.Ones o -> Arrays.fill(v, 1f);
            case Init.Constant c -> Arrays.fill(v, (float) c.value());
            case Init.Normal nd -> {
                for (int i = 0; i < n; i++) v[i] = (float) (random.nextGaussian() * nd.std());
            }
            case Init.Uniform u -> {
                for (int i = 0; i < n; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * u.bound());
            }
            case Init.Required r -> throw new IllegalStateException("unreachable");
        }
        return Tensor.ofFloats(v, shape).toFloating(precision);
    }

    /** A fresh direct copy, so the caller may update it in place (trainable parameters). */
    public static Tensor writableCopy(Tensor t) {
        ByteBuffer b = Tensor.allocate(t.data().remaining());
        b.put(t.data().duplicate()).flip();
        return new Tensor(t.dtype(), t.shape(), b);
    }
}
