package dev.iris.runtime.graph;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reverse-mode differentiation of a graph description. The result is the forward graph plus
 * the nodes that compute, for each trainable weight, the gradient of a scalar loss; it is
 * compiled and executed by ONNX Runtime like any other graph. Composite operations are
 * expanded first, so every rule here is about a primitive.
 */
public final class Differentiator {

    /** Output name prefix of gradients: {@code grad/<group>/<name>}. */
    public static final String GRAD_PREFIX = "grad/";

    /**
     * Segments shorter than this many differentiated nodes are merged with the next: a boundary
     * keeps its tensor for the whole backward pass, so a boundary every few nodes saves little.
     */
    static final int MIN_SEGMENT_NODES = 12;

    private final GraphBuilder g;
    private final Graph forward;
    private final double recompute;   // the share of segments recomputed
    private final Map<Integer, Value> grads = new HashMap<>();
    private BitSet needsGrad;
    /** Per forward node: the index into {@link #checkpoints} of the segment that recomputes it, or -1 (kept as is). */
    private int[] segmentOf;
    private final List<Value> checkpoints = new ArrayList<>();
    private final Map<Integer, Value> recomputed = new HashMap<>();
    private final Map<Integer, Value> anchors = new HashMap<>();
    Graph result;

    private Differentiator(Graph forward, double recompute) {
        this.g = new GraphBuilder(forward);
        this.forward = forward;
        this.recompute = recompute;
    }

    /**
     * @param graph     the forward graph; composites are expanded
     * @param lossName  the output holding the scalar loss
     * @param trainable qualified weight names ({@code group/name}) to differentiate for
     * @return the graph with outputs {@code grad/<qualified name>} added to the forward outputs
     */
    public static Graph gradients(Graph graph, String lossName, Collection<String> trainable) {
        return gradients(graph, lossName, trainable, false);
    }

    /**
     * As {@link #gradients(Graph, String, Collection)}; with {@code recompute} (gradient
     * checkpointing) the differentiated part of the forward graph is cut into segments at values
     * every later differentiated value depends on through them alone (in a decoder: the residual
     * stream between blocks). The backward pass keeps only those boundaries and recomputes a
     * segment's activations from its start when the gradient reaches its end, so at most one
     * segment's activations are held at a time. The gradients are the same computation.
     */
    public static Graph gradients(Graph graph, String lossName, Collection<String> trainable, boolean recompute) {
        return gradients(graph, lossName, trainable, recompute ? 1 : 0);
    }

    /**
     * As {@link #gradients(Graph, String, Collection, boolean)}, recomputing only a share (in
     * [0, 1]) of the activations: segments are chosen along the graph so that the ones recomputed
     * hold about that share of the activations so far; the others keep theirs. Between no
     * recomputation and all of it, memory and time trade off about linearly.
     */
    public static Graph gradients(Graph graph, String lossName, Collection<String> trainable, double recompute) {
        return differentiate(graph, lossName, trainable, recompute).result;
    }

    /** The differentiator after its run (the result graph in {@link #result}), for tests of its plan. */
    static Differentiator differentiate(Graph graph, String lossName, Collection<String> trainable, boolean recompute) {
        return differentiate(graph, lossName, trainable, recompute ? 1 : 0);
    }

    static Differentiator differentiate(Graph graph, String lossName, Collection<String> trainable, double recompute) {
        if (!(recompute >= 0 && recompute <= 1)) throw new IllegalArgumentException("the share of segments to recompute must be in [0, 1]: " + recompute);
        Graph forward = Decomposer.expand(graph);
        Value loss = forward.output(lossName);
        if (loss.rank() != 0) throw new IllegalArgumentException("loss '" + lossName + "' must be a scalar, is " + loss.shape());
        Map<String, Value> weights = forward.weights();
        List<Value> targets = new ArrayList<>();
        for (String name : trainable) {
            Value w = weights.get(name);
            if (w == null) throw new IllegalArgumentException("trainable weight " + name + " is not used by the graph (weights: " + weights.keySet() + ")");
            targets.add(w);
        }
        Differentiator d = new Differentiator(forward, recompute);
        d.run(forward, loss, targets);
        for (int i = 0; i < targets.size(); i++) {
            Value w = targets.get(i);
            Value grad = d.grads.get(w.id());
            if (grad == null) grad = d.g.mul(w, 0.0); // the loss does not depend on it
            d.g.output(GRAD_PREFIX + ((Op.Weight) forward.op(w)).qualifiedName(), grad);
        }
        d.result = d.g.build();
        return d;
    }

    private void run(Graph forward, Value loss, List<Value> targets) {
        List<Graph.Node> nodes = forward.nodes();
        needsGrad = new BitSet(nodes.size());
        for (Value t : targets) needsGrad.set(t.id());
        for (Graph.Node n : nodes) {
            for (Value in : n.op().inputs()) if (needsGrad.get(in.id())) needsGrad.set(n.value().id());
        }
        if (!needsGrad.get(loss.id())) return;
        segmentOf = new int[nodes.size()];
        Arrays.fill(segmentOf, -1);
        if (recompute > 0) segment(nodes, loss);
        grads.put(loss.id(), g.scalar(1.0));
        for (int i = loss.id(); i >= 0; i--) {
            Graph.Node n = nodes.get(i);
            Value up = grads.get(i);
            if (up == null || !needsGrad.get(i)) continue;
            backward(n.op(), n.value(), up);
        }
    }

    /**
     * Finds the boundaries: differentiated values that no earlier differentiated value reaches
     * past (every path from before them to later nodes goes through them). The part after the
     * last boundary (the head and the loss) is not recomputed: its backward follows at once.
     */
    private void segment(List<Graph.Node> nodes, Value loss) {
        int n = loss.id() + 1;
        int[] lastUse = new int[n];
        for (int i = 0; i < n; i++) {
            if (!needsGrad.get(i)) continue;
            for (Value in : nodes.get(i).op().inputs()) if (needsGrad.get(in.id())) lastUse[in.id()] = Math.max(lastUse[in.id()], i);
        }
        int reach = -1, since = 0;
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!needsGrad.get(i)) continue;
            Op op = nodes.get(i).op();
            boolean source = op instanceof Op.Weight || op instanceof Op.Input;
            if (!source && reach <= i && since >= MIN_SEGMENT_NODES && nodes.get(i).value().dtype().isFloating()) {
                cuts.add(i);
                since = 0;
            }
            since++;
            reach = Math.max(reach, lastUse[i]);
        }
        double all = 0, recomputedSize = 0;
        for (int c = 0; c + 1 < cuts.size(); c++) {
            checkpoints.add(nodes.get(cuts.get(c)).value());
            // a segment is recomputed while the activations recomputed so far stay within the share of
            // those seen so far: spread along the graph by size (a decoder's small attention segments
            // and large MLP ones then go by whole layers, not one kind of segment only)
            double size = 0;
            for (int i = cuts.get(c) + 1; i < cuts.get(c + 1); i++) if (needsGrad.get(i)) size += elements(nodes.get(i).value());
            all += size;
            if (recomputedSize + size > recompute * all + 1e-9 * all) continue;
            recomputedSize += size;
            for (int i = cuts.get(c) + 1; i < cuts.get(c + 1); i++) {
                Op op = nodes.get(i).op();
                if (needsGrad.get(i) && !(op instanceof Op.Weight || op instanceof Op.Input)) segmentOf[i] = c;
            }
        }
        if (!cuts.isEmpty()) checkpoints.add(nodes.get(cuts.getLast()).value());
    }

    /** A value's element count, a symbolic dimension (batch, sequence) counted as 64: only compared between segments of one graph. */
    private static double elements(Value v) {
        double n = 1;
        for (Dim d : v.shape().dims()) n *= d instanceof Dim.Fixed f ? f.size() : 64;
        return n;
    }

    /** The checkpoint values (segment boundaries) the backward pass keeps; empty without recompute. */
    List<Value> checkpoints() {
        return checkpoints;
    }

    /** The recomputed copies of forward values made for the backward pass. */
    Collection<Value> recomputedValues() {
        return recomputed.values();
    }

    /** The expanded forward graph; its nodes are the first of {@link #result}'s. */
    Graph forward() {
        return forward;
    }

    /** Whether a forward value lies inside a segment (recomputed, never read by the backward pass itself). */
    boolean isRecomputed(Value v) {
        return v.id() < segmentOf.length && segmentOf[v.id()] >= 0;
    }

    /**
     * A forward value as the backward rules read it: recomputed from its segment's start when it
     * lies inside a segment, else the forward value itself. Rules that need only a value's
     * shape read the forward value (its Shape node runs as soon as it is computed).
     */
    private Value saved(Value v) {
        if (v.id() >= segmentOf.length || segmentOf[v.id()] < 0) return v;
        Value r = recomputed.get(v.id());
        if (r != null) return r;
        int seg = segmentOf[v.id()];
        Graph.Node node = forward.nodes().get(v.id());
        UnaryOperator<Value> replayed = in -> {
            if (in.id() == checkpoints.get(seg).id()) return anchor(seg);
            if (in.id() < segmentOf.length && segmentOf[in.id()] == seg) return saved(in);
            return in;
        };
        if (node.op() instanceof Op.Binary b && b.fn() == Op.BinaryFn.MUL && (compactCast(b.a()) || compactCast(b.b()))) {
            // a product with a mask: the mask is cast again next to the recomputed operand (see savedNextTo)
            Value a = replayed.apply(b.a()), c = replayed.apply(b.b());
            r = g.mul(compactCast(b.a()) ? savedNextTo(b.a(), c) : a, compactCast(b.b()) ? savedNextTo(b.b(), a) : c);
        } else {
            r = Replay.record(g, node, replayed::apply);
        }
        recomputed.put(v.id(), r);
        return r;
    }

    /**
     * Whether {@code v} is a float cast of a non-float graph input (a dropout mask fed as bytes):
     * four times the input's memory when held from the forward pass to the backward pass.
     */
    private boolean compactCast(Value v) {
        return v.id() < forward.nodes().size() && forward.op(v) instanceof Op.Cast c && v.dtype().isFloating()
                && !c.x().dtype().isFloating() && forward.op(c.x()) instanceof Op.Input;
    }

    /**
     * {@link #saved} for a backward rule that reads {@code v} together with {@code next}: a
     * {@link #compactCast} of {@code next}'s shape is cast again from its input instead of held,
     * reshaped to {@code next}'s shape (a no-op) so that it waits for {@code next}: a cast without
     * that dependency could run, and be held, from the forward pass on, or be merged with the
     * forward cast by ONNX Runtime's common subexpression elimination.
     */
    private Value savedNextTo(Value v, Value next) {
        if (!compactCast(v) || !v.shape().equals(next.shape())) return saved(v);
        Op.Cast c = (Op.Cast) forward.op(v);
        return g.cast(g.reshapeLike(c.x(), next), c.to());
    }

    /**
     * The start of segment {@code seg} tied to the gradient of its end: start + 0 x (one element
     * of that gradient). The values are the start's; the data dependency makes ONNX Runtime run
     * the recomputation only once the backward pass has reached the segment (a node without it
     * may be scheduled, and its result held, from the forward pass on) and keeps its common
     * subexpression elimination from merging the recomputation back into the forward nodes.
     */
    private Value anchor(int seg) {
        Value a = anchors.get(seg);
        if (a != null) return a;
        Value start = checkpoints.get(seg);
        Value end = checkpoints.get(seg + 1);
        Value gEnd = grads.get(end.id());
        if (gEnd == null) throw new IllegalStateException("segment ending at " + end + " is recomputed but no gradient reached its end");
        Value one = gEnd;
        for (int ax = 0; ax < one.rank(); ax++) one = g.slice(one, ax, 0, 1);
        // the end may have another rank than the start (e.g. heads split off): the tie must not
        // broadcast the start to a new shape, so it takes the start's rank, every axis of size 1
        long[] ones = new long[start.rank()];
        Arrays.fill(ones, 1);
        one = g.reshape(one, ones);
        a = g.add(start, g.mul(one, 0.0));
        anchors.put(seg, a);
        return a;
    }

    private void accumulate(Value x, Value grad) {
        if (!needsGrad.get(x.id())) return;
        Value prev = grads.get(x.id());
        grads.put(x.id(), prev == null ? grad : g.add(prev, grad));
    }

    private boolean wants(Value x) {
        return needsGrad.get(x.id());
    }

    private void backward(Op op, Value y, Value gy) {
        switch (op) {
            case Op.Input in -> {}
            case Op.Weight w -> {}
            case Op.Constant c -> {}
            case Op.Unary u -> accumulate(u.x(), unaryGrad(u, saved(u.x()), y, gy));
            case Op.Binary b -> binaryGrad(b, gy);
            case Op.Pow p -> accumulate(p.x(), g.mul(gy, g.mul(g.pow(saved(p.x()), p.exponent() - 1), p.exponent())));
            case Op.MatMul mm -> {
                if (wants(mm.a())) accumulate(mm.a(), sumTo(g.matmul(gy, g.transposeLast(saved(mm.b()))), mm.a()));
                if (wants(mm.b())) accumulate(mm.b(), sumTo(g.matmul(g.transposeLast(saved(mm.a())), gy), mm.b()));
            }
            case Op.Linear l -> {
                if (wants(l.x())) accumulate(l.x(), g.matmul(gy, l.weight()));
                long out = l.weight().shape().sizes()[0], in = l.weight().shape().sizes()[1];
                if (wants(l.weight())) {
                    Value g2 = g.reshape(gy, -1, out);
                    Value x2 = g.reshape(saved(l.x()), -1, in);
                    accumulate(l.weight(), g.matmul(g.transposeLast(g2), x2));
                }
                if (l.bias() != null && wants(l.bias())) accumulate(l.bias(), g.sum(g.reshape(gy, -1, out), false, 0));
            }
            case Op.Reduce r -> {
                if (r.fn() == Op.ReduceFn.MAX) {
                    throw new IllegalArgumentException("a max reduction has no gradient rule, but a trained weight reaches it: " + y);
                }
                Value gk = r.keepDims() ? gy : unsqueezeAll(gy, r.axes());
                Value gx = g.expandLike(gk, r.x());
                if (r.fn() == Op.ReduceFn.MEAN) gx = g.mul(gx, 1.0 / count(r.x(), r.axes()));
                accumulate(r.x(), gx);
            }
            case Op.Softmax s -> {
                Value ys = saved(y);
                accumulate(s.x(), g.mul(ys, g.sub(gy, g.sum(g.mul(gy, ys), true, s.axis()))));
            }
            case Op.Reshape r -> accumulate(r.x(), g.reshapeLike(gy, r.x()));
            case Op.Unsqueeze u -> accumulate(u.x(), g.reshapeLike(gy, u.x()));
            case Op.ReshapeLike r -> accumulate(r.x(), g.reshapeLike(gy, r.x()));
            case Op.ExpandLike e -> accumulate(e.x(), sumTo(gy, e.x()));
            case Op.Transpose t -> {
                int[] inv = new int[t.perm().length];
                for (int i = 0; i < inv.length; i++) inv[t.perm()[i]] = i;
                accumulate(t.x(), g.transpose(gy, inv));
            }
            case Op.Concat c -> {
                boolean allFixed = c.parts().stream().allMatch(p -> p.shape().dim(c.axis()) instanceof Dim.Fixed);
                long offset = 0;
                for (int i = 0; i < c.parts().size(); i++) {
                    Value part = c.parts().get(i);
                    if (!allFixed) {
                        // sizes along a symbolic axis are known only at run time
                        if (wants(part)) accumulate(part, g.concatGradPart(gy, c.axis(), c.parts(), i));
                        continue;
                    }
                    long len = ((Dim.Fixed) part.shape().dim(c.axis())).size();
                    if (wants(part)) accumulate(part, g.slice(gy, c.axis(), offset, offset + len));
                    offset += len;
                }
            }
            case Op.Slice s -> {
                long after;
                Dim d = s.x().shape().dim(s.axis());
                if (d instanceof Dim.Fixed f) after = f.size() - Math.min(s.end(), f.size());
                else if (s.end() == Long.MAX_VALUE) after = 0;
                else throw new UnsupportedOperationException("gradient of a slice ending before a symbolic dimension " + s);
                accumulate(s.x(), g.pad(gy, s.axis(), s.start(), after));
            }
            case Op.Pad p -> accumulate(p.x(), g.slice(gy, p.axis(), p.before(),
                    p.after() == 0 ? Long.MAX_VALUE : p.before() + fixed(p.x().shape().dim(p.axis()), "padded axis")));
            case Op.Gather ga -> accumulate(ga.table(), g.scatterAddRows(ga.table(), saved(ga.indices()), gy));
            case Op.ScatterAddRows s -> accumulate(s.updates(), g.gather(gy, saved(s.indices())));
            case Op.Cast c -> {
                if (!c.x().dtype().isFloating()) return;
                accumulate(c.x(), g.cast(gy, c.x().dtype()));
            }
            case Op.CrossEntropy ce -> accumulate(ce.logits(), g.crossEntropyGrad(saved(ce.logits()), ce.labels(), gy, ce.ignoreIndex()));
            case Op.CrossEntropyGrad ce -> throw new UnsupportedOperationException("second derivatives are not supported");
            case Op.ConcatGradPart cg -> throw new UnsupportedOperationException("second derivatives are not supported");
            case Op.RmsNorm r -> throw expanded(op);
            case Op.LayerNorm l -> throw expanded(op);
            case Op.Rotary r -> throw expanded(op);
            case Op.Attention a -> throw expanded(op);
        }
    }

    private static IllegalStateException expanded(Op op) {
        return new IllegalStateException("composite operation reached the differentiator unexpanded: " + op);
    }

    private Value unaryGrad(Op.Unary u, Value x, Value yForward, Value gy) {
        Value y = saved(yForward);
        return switch (u.fn()) {
            case NEG -> g.neg(gy);
            case EXP -> g.mul(gy, y);
            case LOG -> g.div(gy, x);
            case SQRT -> g.div(g.mul(gy, 0.5), y);
            case RSQRT -> g.mul(gy, g.mul(g.mul(g.mul(y, y), y), -0.5));       // d x^-1/2 = -1/2 y^3
            case RECIPROCAL -> g.neg(g.mul(gy, g.mul(y, y)));
            case TANH -> g.mul(gy, g.sub(g.scalar(1.0), g.mul(y, y)));
            case SIGMOID -> g.mul(gy, g.mul(y, g.sub(g.scalar(1.0), y)));
            case SILU -> {
                Value s = g.sigmoid(x);                                           // s (1 + x (1 - s))
                yield g.mul(gy, g.mul(s, g.add(g.mul(x, g.sub(g.scalar(1.0), s)), 1.0)));
            }
            case GELU_TANH -> {
                double c = Math.sqrt(2 / Math.PI), k = 0.044715;
                Value x2 = g.mul(x, x);
                Value t = g.tanh(g.mul(g.mul(x, g.add(g.mul(x2, k), 1.0)), c));
                Value dt = g.mul(g.sub(g.scalar(1.0), g.mul(t, t)), g.mul(g.add(g.mul(x2, 3 * k), 1.0), c));
                Value d = g.add(g.mul(g.add(t, 1.0), 0.5), g.mul(g.mul(x, dt), 0.5));
                yield g.mul(gy, d);
            }
            case SIN -> g.mul(gy, g.cos(x));
            case COS -> g.neg(g.mul(gy, g.sin(x)));
            case ERF -> g.mul(gy, g.mul(g.exp(g.neg(g.mul(x, x))), 2 / Math.sqrt(Math.PI))); // 2/sqrt(pi) e^(-x^2)
        };
    }

    private void binaryGrad(Op.Binary b, Value gy) {
        Value a = b.a(), c = b.b();
        switch (b.fn()) {
            case ADD -> {
                if (wants(a)) accumulate(a, sumTo(gy, a));
                if (wants(c)) accumulate(c, sumTo(gy, c));
            }
            case SUB -> {
                if (wants(a)) accumulate(a, sumTo(gy, a));
                if (wants(c)) accumulate(c, sumTo(g.neg(gy), c));
            }
            case MUL -> {
                if (wants(a)) accumulate(a, sumTo(g.mul(gy, savedNextTo(c, gy)), a));
                if (wants(c)) accumulate(c, sumTo(g.mul(gy, savedNextTo(a, gy)), c));
            }
            case DIV -> {
                if (wants(a)) accumulate(a, sumTo(g.div(gy, saved(c)), a));
                if (wants(c)) accumulate(c, sumTo(g.neg(g.div(g.mul(gy, saved(a)), g.mul(saved(c), saved(c)))), c));
            }
        }
    }

    /** Sums a broadcast gradient back to the shape of {@code x}. */
    private Value sumTo(Value grad, Value x) {
        int lead = grad.rank() - x.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < grad.rank(); i++) {
            if (i < lead) axes.add(i);
            else if (x.shape().dim(i - lead).isOne() && !grad.shape().dim(i).isOne()) axes.add(i);
        }
        if (axes.isEmpty()) return grad;
        Value summed = g.sum(grad, true, axes.stream().mapToInt(Integer::intValue).toArray());
        return lead == 0 ? summed : g.reshapeLike(summed, x);
    }

    private Value unsqueezeAll(Value v, int[] axes) {
        int[] sorted = axes.clone();
        Arrays.sort(sorted);
        for (int a : sorted) v = g.unsqueeze(v, a);
        return v;
    }

    private static double count(Value x, int[] axes) {
        double n = 1;
        for (int a : axes) n *= fixed(x.shape().dim(a), "reduced axis of a mean");
        return n;
    }

    private static long fixed(Dim d, String what) {
        if (d instanceof Dim.Fixed f) return f.size();
        throw new UnsupportedOperationException("gradient needs a fixed size for the " + what + ", found " + d);
    }
}
