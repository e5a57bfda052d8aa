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

/**
 * Reverse-mode differentiation of a graph description. The result is the forward graph plus
 * the nodes that compute, for each trainable weight, the gradient of a scalar loss; it is
 * compiled and executed by ONNX Runtime like any other graph. Composite operations are
 * expanded first, so every rule here is about a primitive.
 */
public final class Differentiator {

    /** Output name prefix of gradients: {@code grad/<group>/<name>}. */
    public static final String GRAD_PREFIX = "grad/";

    private final GraphBuilder g;
    private final Map<Integer, Value> grads = new HashMap<>();
    private BitSet needsGrad;

    private Differentiator(Graph forward) {
        this.g = new GraphBuilder(forward);
    }

    /**
     * @param graph     the forward graph; composites are expanded
     * @param lossName  the output holding the scalar loss
     * @param trainable qualified weight names ({@code group/name}) to differentiate for
     * @return the graph with outputs {@code grad/<qualified name>} added to the forward outputs
     */
    public static Graph gradients(Graph graph, String lossName, Collection<String> trainable) {
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
        Differentiator d = new Differentiator(forward);
        d.run(forward, loss, targets);
        for (int i = 0; i < targets.size(); i++) {
            Value w = targets.get(i);
            Value grad = d.grads.get(w.id());
            if (grad == null) grad = d.g.mul(w, 0.0); // the loss does not depend on it
            d.g.output(GRAD_PREFIX + ((Op.Weight) forward.op(w)).qualifiedName(), grad);
        }
        return d.g.build();
    }

    private void run(Graph forward, Value loss, List<Value> targets) {
        List<Graph.Node> nodes = forward.nodes();
        needsGrad = new BitSet(nodes.size());
        for (Value t : targets) needsGrad.set(t.id());
        for (Graph.Node n : nodes) {
            for (Value in : n.op().inputs()) if (needsGrad.get(in.id())) needsGrad.set(n.value().id());
        }
        if (!needsGrad.get(loss.id())) return;
        grads.put(loss.id(), g.scalar(1.0));
        for (int i = loss.id(); i >= 0; i--) {
            Graph.Node n = nodes.get(i);
            Value up = grads.get(i);
            if (up == null || !needsGrad.get(i)) continue;
            backward(n.op(), n.value(), up);
        }
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
            case Op.Unary u -> accumulate(u.x(), unaryGrad(u, y, gy));
            case Op.Binary b -> binaryGrad(b, gy);
            case Op.Pow p -> accumulate(p.x(), g.mul(gy, g.mul(g.pow(p.x(), p.exponent() - 1), p.exponent())));
            case Op.MatMul mm -> {
                if (wants(mm.a())) accumulate(mm.a(), sumTo(g.matmul(gy, g.transposeLast(mm.b())), mm.a()));
                if (wants(mm.b())) accumulate(mm.b(), sumTo(g.matmul(g.transposeLast(mm.a()), gy), mm.b()));
            }
            case Op.Linear l -> {
                if (wants(l.x())) accumulate(l.x(), g.matmul(gy, l.weight()));
                long out = l.weight().shape().sizes()[0], in = l.weight().shape().sizes()[1];
                if (wants(l.weight())) {
                    Value g2 = g.reshape(gy, -1, out);
                    Value x2 = g.reshape(l.x(), -1, in);
                    accumulate(l.weight(), g.matmul(g.transposeLast(g2), x2));
                }
                if (l.bias() != null && wants(l.bias())) accumulate(l.bias(), g.sum(g.reshape(gy, -1, out), false, 0));
            }
            case Op.Reduce r -> {
                Value gk = r.keepDims() ? gy : unsqueezeAll(gy, r.axes());
                Value gx = g.expandLike(gk, r.x());
                if (r.fn() == Op.ReduceFn.MEAN) gx = g.mul(gx, 1.0 / count(r.x(), r.axes()));
                accumulate(r.x(), gx);
            }
            case Op.Softmax s -> accumulate(s.x(), g.mul(y, g.sub(gy, g.sum(g.mul(gy, y), true, s.axis()))));
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
            case Op.Gather ga -> accumulate(ga.table(), g.scatterAddRows(ga.table(), ga.indices(), gy));
            case Op.ScatterAddRows s -> accumulate(s.updates(), g.gather(gy, s.indices()));
            case Op.Cast c -> {
                if (!c.x().dtype().isFloating()) return;
                accumulate(c.x(), g.cast(gy, c.x().dtype()));
            }
            case Op.CrossEntropy ce -> accumulate(ce.logits(), g.crossEntropyGrad(ce.logits(), ce.labels(), gy, ce.ignoreIndex()));
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

    private Value unaryGrad(Op.Unary u, Value y, Value gy) {
        Value x = u.x();
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
                if (wants(a)) accumulate(a, sumTo(g.mul(gy, c), a));
                if (wants(c)) accumulate(c, sumTo(g.mul(gy, a), c));
            }
            case DIV -> {
                if (wants(a)) accumulate(a, sumTo(g.div(gy, c), a));
                if (wants(c)) accumulate(c, sumTo(g.neg(g.div(g.mul(gy, a), g.mul(c, c))), c));
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
