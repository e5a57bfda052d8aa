package dev.iris.api.graph;

import dev.iris.api.graph.Op.BinaryFn;
import dev.iris.api.graph.Op.ReduceFn;
import dev.iris.api.graph.Op.UnaryFn;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records operations into a {@link Graph}, the way one writes a PyTorch {@code forward}.
 * Shapes are inferred as operations are recorded, so a mistake fails here with both shapes
 * named instead of inside ONNX Runtime.
 */
public final class GraphBuilder {

    private final List<Graph.Node> nodes = new ArrayList<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final Map<String, Value> inputsByName = new HashMap<>();
    private final Map<String, Value> weightsByName = new HashMap<>();

    public GraphBuilder() {}

    /** Continues recording after the nodes of {@code base} (its outputs are kept). */
    public GraphBuilder(Graph base) {
        for (Graph.Node n : base.nodes()) {
            nodes.add(n);
            if (n.op() instanceof Op.Input in) inputsByName.put(in.name(), n.value());
            if (n.op() instanceof Op.Weight w) weightsByName.put(w.qualifiedName(), n.value());
        }
        outputs.putAll(base.outputs());
    }

    public Graph build() {
        return new Graph(nodes, outputs);
    }

    public Op op(Value v) {
        return nodes.get(v.id()).op();
    }

    // ---------------------------------------------------------------- leaves

    /** A graph input; dims are {@code Long} sizes or {@code String} symbols ("batch", "seq"). */
    public Value input(String name, DType dtype, Object... dims) {
        if (inputsByName.containsKey(name)) throw new IllegalArgumentException("input '" + name + "' declared twice");
        List<Dim> d = new ArrayList<>();
        for (Object o : dims) {
            d.add(switch (o) {
                case Number n -> Dim.of(n.longValue());
                case String s -> Dim.sym(s);
                case Dim dim -> dim;
                default -> throw new IllegalArgumentException("dimension must be a number or a symbol name: " + o);
            });
        }
        Value v = add(new Op.Input(name), dtype, new Shape(d));
        inputsByName.put(name, v);
        return v;
    }

    /** A weight the runtime binds by name; asking twice for the same name returns the same value. */
    public Value weight(String group, String name, Init init, long... shape) {
        String q = group + "/" + name;
        Value existing = weightsByName.get(q);
        if (existing != null) {
            if (!Arrays.equals(existing.shape().sizes(), shape)) {
                throw new IllegalArgumentException("weight " + q + " requested as " + Arrays.toString(shape)
                        + " and as " + existing.shape());
            }
            return existing;
        }
        Value v = add(new Op.Weight(group, name, init), DType.F32, Shape.of(shape));
        weightsByName.put(q, v);
        return v;
    }

    /** A weight that must come from a checkpoint. */
    public Value weight(String group, String name, long... shape) {
        return weight(group, name, Init.required(), shape);
    }

    /**
     * A literal. Float data is recorded as given (float64 keeps its precision for float64
     * compilation) and typed as the graph's float type.
     */
    public Value constant(Tensor t) {
        DType dt = t.dtype().isFloating() ? DType.F32 : t.dtype();
        if (t.dtype() == DType.F16 || t.dtype() == DType.BF16) t = t.toFloating(DType.F32);
        return add(new Op.Constant(t), dt, Shape.of(t.shape()));
    }

    /** A float scalar, exact in float64 graphs. */
    public Value scalar(double v) {
        return constant(Tensor.ofDoubles(new double[] {v}));
    }

    // ---------------------------------------------------------------- elementwise

    public Value unary(UnaryFn fn, Value x) {
        requireFloat(x, fn.name());
        return add(new Op.Unary(fn, x), x.dtype(), x.shape());
    }

    public Value neg(Value x) { return unary(UnaryFn.NEG, x); }
    public Value exp(Value x) { return unary(UnaryFn.EXP, x); }
    public Value log(Value x) { return unary(UnaryFn.LOG, x); }
    public Value sqrt(Value x) { return unary(UnaryFn.SQRT, x); }
    public Value rsqrt(Value x) { return unary(UnaryFn.RSQRT, x); }
    public Value reciprocal(Value x) { return unary(UnaryFn.RECIPROCAL, x); }
    public Value tanh(Value x) { return unary(UnaryFn.TANH, x); }
    public Value sigmoid(Value x) { return unary(UnaryFn.SIGMOID, x); }
    public Value silu(Value x) { return unary(UnaryFn.SILU, x); }
    /** GELU with the tanh approximation (PyTorch's {@code gelu_pytorch_tanh}). */
    public Value geluTanh(Value x) { return unary(UnaryFn.GELU_TANH, x); }
    public Value sin(Value x) { return unary(UnaryFn.SIN, x); }
    public Value cos(Value x) { return unary(UnaryFn.COS, x); }
    /** The error function; exact GELU is {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public Value erf(Value x) { return unary(UnaryFn.ERF, x); }

    public Value binary(BinaryFn fn, Value a, Value b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(fn + ": element types differ: " + a + " and " + b);
        return add(new Op.Binary(fn, a, b), a.dtype(), broadcast(fn.name(), a.shape(), b.shape()));
    }

    public Value add(Value a, Value b) { return binary(BinaryFn.ADD, a, b); }
    public Value sub(Value a, Value b) { return binary(BinaryFn.SUB, a, b); }
    public Value mul(Value a, Value b) { return binary(BinaryFn.MUL, a, b); }
    public Value div(Value a, Value b) { return binary(BinaryFn.DIV, a, b); }
    public Value mul(Value a, double s) { return mul(a, scalar(s)); }
    public Value add(Value a, double s) { return add(a, scalar(s)); }

    public Value pow(Value x, double exponent) {
        requireFloat(x, "pow");
        return add(new Op.Pow(x, exponent), x.dtype(), x.shape());
    }

    // ---------------------------------------------------------------- linear algebra

    public Value matmul(Value a, Value b) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2: " + a + " x " + b);
        Dim k1 = a.shape().dim(-1), k2 = b.shape().dim(-2);
        if (!compatible(k1, k2)) throw new IllegalArgumentException("matmul inner dimensions differ: " + a.shape() + " x " + b.shape());
        Shape batchA = new Shape(a.shape().dims().subList(0, a.rank() - 2));
        Shape batchB = new Shape(b.shape().dims().subList(0, b.rank() - 2));
        List<Dim> out = new ArrayList<>(broadcast("matmul batch", batchA, batchB).dims());
        out.add(a.shape().dim(-2));
        out.add(b.shape().dim(-1));
        return add(new Op.MatMul(a, b), a.dtype(), new Shape(out));
    }

    /** {@code x @ weight^T + bias}, weight [out, in]; bias may be null. */
    public Value linear(Value x, Value weight, Value bias) {
        if (weight.rank() != 2) throw new IllegalArgumentException("linear weight must be [out, in]: " + weight);
        if (!compatible(x.shape().dim(-1), weight.shape().dim(1))) {
            throw new IllegalArgumentException("linear: input " + x.shape() + " does not fit weight " + weight.shape());
        }
        if (bias != null && (bias.rank() != 1 || !compatible(bias.shape().dim(0), weight.shape().dim(0)))) {
            throw new IllegalArgumentException("linear: bias " + bias.shape() + " does not fit weight " + weight.shape());
        }
        List<Dim> out = new ArrayList<>(x.shape().dims());
        out.set(out.size() - 1, weight.shape().dim(0));
        return add(new Op.Linear(x, weight, bias), x.dtype(), new Shape(out));
    }

    // ---------------------------------------------------------------- reductions

    public Value reduce(ReduceFn fn, Value x, boolean keepDims, int... axes) {
        if (axes.length == 0) throw new IllegalArgumentException("reduce needs at least one axis: " + x);
        int[] norm = normalizeAxes(axes, x.rank());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            final int axis = i;
            boolean reduced = Arrays.stream(norm).anyMatch(a -> a == axis);
            if (!reduced) out.add(x.shape().dim(i));
            else if (keepDims) out.add(Dim.of(1));
        }
        return add(new Op.Reduce(fn, x, norm, keepDims), x.dtype(), new Shape(out));
    }

    public Value sum(Value x, boolean keepDims, int... axes) { return reduce(ReduceFn.SUM, x, keepDims, axes); }
    public Value mean(Value x, boolean keepDims, int... axes) { return reduce(ReduceFn.MEAN, x, keepDims, axes); }
    public Value max(Value x, boolean keepDims, int... axes) { return reduce(ReduceFn.MAX, x, keepDims, axes); }

    public Value softmax(Value x, int axis) {
        return add(new Op.Softmax(x, normalizeAxis(axis, x.rank())), x.dtype(), x.shape());
    }

    // ---------------------------------------------------------------- shapes

    /** ONNX reshape: 0 keeps the input's dimension at that index, -1 is inferred. */
    public Value reshape(Value x, long... dims) {
        List<Dim> out = new ArrayList<>();
        int inferred = -1;
        for (int i = 0; i < dims.length; i++) {
            long d = dims[i];
            if (d == 0) {
                if (i >= x.rank()) throw new IllegalArgumentException("reshape: 0 at index " + i + " but input " + x.shape() + " has rank " + x.rank());
                out.add(x.shape().dim(i));
            } else if (d == -1) {
                if (inferred >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(dims));
                inferred = i;
                out.add(null);
            } else if (d > 0) {
                out.add(Dim.of(d));
            } else {
                throw new IllegalArgumentException("reshape: bad dimension " + d);
            }
        }
        if (inferred >= 0) out.set(inferred, inferDim(x.shape(), out, inferred));
        else checkSameCount(x.shape(), out);
        return add(new Op.Reshape(x, dims.clone()), x.dtype(), new Shape(out));
    }

    /** Inserts a dimension of size 1 at {@code axis} (counted in the result's rank). */
    public Value unsqueeze(Value x, int axis) {
        int ax = normalizeAxis(axis, x.rank() + 1);
        List<Dim> dims = new ArrayList<>(x.shape().dims());
        dims.add(ax, Dim.of(1));
        return add(new Op.Unsqueeze(x, ax), x.dtype(), new Shape(dims));
    }

    public Value reshapeLike(Value x, Value like) {
        return add(new Op.ReshapeLike(x, like), x.dtype(), like.shape());
    }

    public Value expandLike(Value x, Value like) {
        return add(new Op.ExpandLike(x, like), x.dtype(), broadcast("expand", x.shape(), like.shape()));
    }

    public Value transpose(Value x, int... perm) {
        if (perm.length != x.rank()) throw new IllegalArgumentException("transpose: perm " + Arrays.toString(perm) + " for " + x.shape());
        boolean[] seen = new boolean[perm.length];
        List<Dim> out = new ArrayList<>();
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) throw new IllegalArgumentException("transpose: bad perm " + Arrays.toString(perm));
            seen[p] = true;
            out.add(x.shape().dim(p));
        }
        return add(new Op.Transpose(x, perm.clone()), x.dtype(), new Shape(out));
    }

    /** Swaps the last two axes. */
    public Value transposeLast(Value x) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[perm.length - 1] = perm.length - 2;
        perm[perm.length - 2] = perm.length - 1;
        return transpose(x, perm);
    }

    public Value concat(int axis, Value... parts) {
        return concat(axis, List.of(parts));
    }

    public Value concat(int axis, List<Value> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of nothing");
        Value first = parts.get(0);
        int ax = normalizeAxis(axis, first.rank());
        List<Dim> out = new ArrayList<>(first.shape().dims());
        long total = 0;
        boolean fixed = true;
        for (Value p : parts) {
            if (p.rank() != first.rank() || p.dtype() != first.dtype()) throw new IllegalArgumentException("concat: " + p + " does not match " + first);
            for (int i = 0; i < first.rank(); i++) {
                if (i != ax && !compatible(p.shape().dim(i), first.shape().dim(i))) {
                    throw new IllegalArgumentException("concat along " + ax + ": " + p.shape() + " does not match " + first.shape());
                }
            }
            if (p.shape().dim(ax) instanceof Dim.Fixed f) total += f.size();
            else fixed = false;
        }
        out.set(ax, fixed ? Dim.of(total) : Dim.sym("concat" + nodes.size()));
        return add(new Op.Concat(parts, ax), first.dtype(), new Shape(out));
    }

    public Value slice(Value x, int axis, long start, long end) {
        int ax = normalizeAxis(axis, x.rank());
        if (start < 0 || end < start) throw new IllegalArgumentException("slice: bad range [" + start + ", " + end + ")");
        Dim d = x.shape().dim(ax);
        Dim out;
        if (d instanceof Dim.Fixed f) {
            long e = Math.min(end, f.size());
            if (start > f.size()) throw new IllegalArgumentException("slice: start " + start + " past " + x.shape());
            out = Dim.of(e - start);
        } else {
            out = end == Long.MAX_VALUE ? Dim.sym(((Dim.Symbol) d).name() + "-" + start) : Dim.of(end - start);
        }
        List<Dim> dims = new ArrayList<>(x.shape().dims());
        dims.set(ax, out);
        return add(new Op.Slice(x, ax, start, end), x.dtype(), new Shape(dims));
    }

    public Value pad(Value x, int axis, long before, long after) {
        int ax = normalizeAxis(axis, x.rank());
        List<Dim> dims = new ArrayList<>(x.shape().dims());
        dims.set(ax, dims.get(ax) instanceof Dim.Fixed f ? Dim.of(f.size() + before + after) : Dim.sym("pad" + nodes.size()));
        return add(new Op.Pad(x, ax, before, after), x.dtype(), new Shape(dims));
    }

    /** Rows of table [N, ...] at int64 indices [...]: the embedding lookup. */
    public Value gather(Value table, Value indices) {
        requireIndex(indices, "gather");
        List<Dim> out = new ArrayList<>(indices.shape().dims());
        out.addAll(table.shape().dims().subList(1, table.rank()));
        return add(new Op.Gather(table, indices), table.dtype(), new Shape(out));
    }

    public Value scatterAddRows(Value like, Value indices, Value updates) {
        requireIndex(indices, "scatterAddRows");
        return add(new Op.ScatterAddRows(like, indices, updates), like.dtype(), like.shape());
    }

    public Value cast(Value x, DType to) {
        return add(new Op.Cast(x, to), to, x.shape());
    }

    // ---------------------------------------------------------------- model blocks

    public Value crossEntropy(Value logits, Value labels, long ignoreIndex) {
        if (logits.rank() != 2 || labels.rank() != 1) throw new IllegalArgumentException("crossEntropy needs logits [N, V] and labels [N]: " + logits + ", " + labels);
        requireIndex(labels, "crossEntropy");
        return add(new Op.CrossEntropy(logits, labels, ignoreIndex), logits.dtype(), new Shape(List.of()));
    }

    public Value concatGradPart(Value grad, int axis, List<Value> parts, int index) {
        return add(new Op.ConcatGradPart(grad, axis, parts, index), grad.dtype(), parts.get(index).shape());
    }

    public Value crossEntropyGrad(Value logits, Value labels, Value upstream, long ignoreIndex) {
        return add(new Op.CrossEntropyGrad(logits, labels, upstream, ignoreIndex), logits.dtype(), logits.shape());
    }

    public Value rmsNorm(Value x, Value weight, double eps) {
        checkNormWeight(x, weight, "rmsNorm");
        return add(new Op.RmsNorm(x, weight, eps), x.dtype(), x.shape());
    }

    public Value layerNorm(Value x, Value weight, Value bias, double eps) {
        checkNormWeight(x, weight, "layerNorm");
        checkNormWeight(x, bias, "layerNorm");
        return add(new Op.LayerNorm(x, weight, bias, eps), x.dtype(), x.shape());
    }

    /** Rotary embedding of x [B, H, T, D] at positions [B, T] (any numeric type). */
    public Value rotary(Value x, Value positions, double theta) {
        return rotary(x, positions, theta, RopeScaling.NONE);
    }

    /** Rotary embedding whose inverse frequencies are stretched by {@code scaling} (a config's {@code rope_scaling}). */
    public Value rotary(Value x, Value positions, double theta, RopeScaling scaling) {
        if (x.rank() != 4 || positions.rank() != 2) throw new IllegalArgumentException("rotary needs x [B, H, T, D] and positions [B, T]: " + x + ", " + positions);
        if (x.shape().dim(3) instanceof Dim.Fixed f && f.size() % 2 != 0) throw new IllegalArgumentException("rotary needs an even head size: " + x);
        return add(new Op.Rotary(x, positions, theta, scaling), x.dtype(), x.shape());
    }

    /** Attention of q [B, H, T, D] over k, v [B, KV, S, D]; mask additive, broadcastable to [B, 1, T, S], or null. */
    public Value attention(Value q, Value k, Value v, Value mask, double scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new IllegalArgumentException("attention needs rank-4 q, k, v: " + q + ", " + k + ", " + v);
        if (q.shape().dim(1) instanceof Dim.Fixed h && k.shape().dim(1) instanceof Dim.Fixed kv && h.size() % kv.size() != 0) {
            throw new IllegalArgumentException("attention: " + h.size() + " query heads are not a multiple of " + kv.size() + " key/value heads");
        }
        List<Dim> out = new ArrayList<>(q.shape().dims());
        out.set(3, v.shape().dim(3));
        return add(new Op.Attention(q, k, v, mask, scale), q.dtype(), new Shape(out));
    }

    // ---------------------------------------------------------------- outputs

    public void output(String name, Value v) {
        if (outputs.containsKey(name)) throw new IllegalArgumentException("output '" + name + "' declared twice");
        outputs.put(name, v);
    }

    // ---------------------------------------------------------------- internals

    private Value add(Op op, DType dtype, Shape shape) {
        for (Value in : op.inputs()) {
            if (in.id() >= nodes.size() || !nodes.get(in.id()).value().equals(in)) {
                throw new IllegalArgumentException("value " + in + " does not belong to this graph");
            }
        }
        Value v = new Value(nodes.size(), dtype, shape);
        nodes.add(new Graph.Node(v, op));
        return v;
    }

    private static void requireFloat(Value x, String what) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(what + " needs a float value: " + x);
    }

    private static void requireIndex(Value x, String what) {
        if (x.dtype() != DType.I64) throw new IllegalArgumentException(what + " needs int64 indices: " + x);
    }

    private static void checkNormWeight(Value x, Value w, String what) {
        if (w.rank() != 1 || !compatible(w.shape().dim(0), x.shape().dim(-1))) {
            throw new IllegalArgumentException(what + ": weight " + w.shape() + " does not fit input " + x.shape());
        }
    }

    static boolean compatible(Dim a, Dim b) {
        return !(a instanceof Dim.Fixed fa && b instanceof Dim.Fixed fb) || fa.size() == fb.size();
    }

    /** Numpy broadcasting; a symbol meets a fixed size as that size, unless the size is 1. */
    static Shape broadcast(String what, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
            Dim da = ia >= 0 ? a.dim(ia) : Dim.of(1);
            Dim db = ib >= 0 ? b.dim(ib) : Dim.of(1);
            if (da.isOne()) out.add(db);
            else if (db.isOne()) out.add(da);
            else if (da instanceof Dim.Fixed && db instanceof Dim.Fixed) {
                if (!da.equals(db)) throw new IllegalArgumentException(what + ": shapes " + a + " and " + b + " do not broadcast");
                out.add(da);
            } else out.add(da instanceof Dim.Fixed ? da : db instanceof Dim.Fixed ? db : da);
        }
        return new Shape(out);
    }

    static int normalizeAxis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    private static int[] normalizeAxes(int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) out[i] = normalizeAxis(axes[i], rank);
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) if (out[i] == out[i - 1]) throw new IllegalArgumentException("repeated axis " + out[i]);
        return out;
    }

    private Dim inferDim(Shape in, List<Dim> out, int at) {
        long known = 1;
        List<Dim> unknownIn = new ArrayList<>();
        long inFixed = 1;
        for (Dim d : in.dims()) {
            if (d instanceof Dim.Fixed f) inFixed *= f.size();
            else unknownIn.add(d);
        }
        List<Dim> unknownOut = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (i == at) continue;
            Dim d = out.get(i);
            if (d instanceof Dim.Fixed f) known *= f.size();
            else unknownOut.add(d);
        }
        // symbols shared by input and output cancel out
        List<Dim> remaining = new ArrayList<>(unknownIn);
        for (Dim d : unknownOut) {
            if (!remaining.remove(d)) return Dim.sym("r" + nodes.size());
        }
        if (remaining.isEmpty()) {
            if (known == 0 || inFixed % known != 0) throw new IllegalArgumentException("reshape: cannot fit " + in + " into " + out);
            return Dim.of(inFixed / known);
        }
        if (remaining.size() == 1 && known == inFixed) return remaining.get(0);
        return Dim.sym("r" + nodes.size());
    }

    private static void checkSameCount(Shape in, List<Dim> out) {
        if (in.isStatic() && new Shape(out).isStatic()) {
            long a = 1, b = 1;
            for (long s : in.sizes()) a *= s;
            for (long s : new Shape(out).sizes()) b *= s;
            if (a != b) throw new IllegalArgumentException("reshape: " + in + " has " + a + " elements, target " + out + " has " + b);
        }
    }
}
