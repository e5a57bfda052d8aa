package dev.iris.runtime.graph;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import java.util.function.UnaryOperator;

/** Records one operation again into another builder, with its inputs mapped. */
final class Replay {
    private Replay() {}

    static Value record(GraphBuilder g, Graph.Node node, UnaryOperator<Value> m) {
        Value v = node.value();
        return switch (node.op()) {
            case Op.Input in -> g.input(in.name(), v.dtype(), v.shape().dims().toArray());
            case Op.Weight w -> g.weight(w.group(), w.name(), w.init(), v.shape().sizes());
            case Op.Constant c -> g.constant(c.value());
            case Op.Unary u -> g.unary(u.fn(), m.apply(u.x()));
            case Op.Binary b -> g.binary(b.fn(), m.apply(b.a()), m.apply(b.b()));
            case Op.Pow p -> g.pow(m.apply(p.x()), p.exponent());
            case Op.MatMul mm -> g.matmul(m.apply(mm.a()), m.apply(mm.b()));
            case Op.Linear l -> g.linear(m.apply(l.x()), m.apply(l.weight()), l.bias() == null ? null : m.apply(l.bias()));
            case Op.Reduce r -> g.reduce(r.fn(), m.apply(r.x()), r.keepDims(), r.axes());
            case Op.Softmax s -> g.softmax(m.apply(s.x()), s.axis());
            case Op.Reshape r -> g.reshape(m.apply(r.x()), r.dims());
            case Op.Unsqueeze u -> g.unsqueeze(m.apply(u.x()), u.axis());
            case Op.ReshapeLike r -> g.reshapeLike(m.apply(r.x()), m.apply(r.like()));
            case Op.ExpandLike e -> g.expandLike(m.apply(e.x()), m.apply(e.like()));
            case Op.Transpose t -> g.transpose(m.apply(t.x()), t.perm());
            case Op.Concat c -> g.concat(c.axis(), c.parts().stream().map(m).toList());
            case Op.Slice s -> g.slice(m.apply(s.x()), s.axis(), s.start(), s.end());
            case Op.Pad p -> g.pad(m.apply(p.x()), p.axis(), p.before(), p.after());
            case Op.Gather ga -> g.gather(m.apply(ga.table()), m.apply(ga.indices()));
            case Op.ScatterAddRows s -> g.scatterAddRows(m.apply(s.like()), m.apply(s.indices()), m.apply(s.updates()));
            case Op.Cast c -> g.cast(m.apply(c.x()), c.to());
            case Op.CrossEntropy ce -> g.crossEntropy(m.apply(ce.logits()), m.apply(ce.labels()), ce.ignoreIndex());
            case Op.ConcatGradPart c -> g.concatGradPart(m.apply(c.grad()), c.axis(), c.parts().stream().map(m).toList(), c.index());
            case Op.CrossEntropyGrad ce -> g.crossEntropyGrad(m.apply(ce.logits()), m.apply(ce.labels()), m.apply(ce.upstream()), ce.ignoreIndex());
            case Op.RmsNorm r -> g.rmsNorm(m.apply(r.x()), m.apply(r.weight()), r.eps());
            case Op.LayerNorm l -> g.layerNorm(m.apply(l.x()), m.apply(l.weight()), m.apply(l.bias()), l.eps());
            case Op.Rotary r -> g.rotary(m.apply(r.x()), m.apply(r.positions()), r.theta(), r.scaling());
            case Op.Attention a -> g.attention(m.apply(a.q()), m.apply(a.k()), m.apply(a.v()), a.mask() == null ? null : m.apply(a.mask()), a.scale());
        };
    }
}
