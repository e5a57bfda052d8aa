package dev.iris.runtime.graph;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Rewrites a graph so that it holds primitive operations only: composite operations (RMS
 * norm, layer norm, rotary embedding, attention) are expanded into the primitives that the
 * differentiator and the plain ONNX lowering understand.
 */
public final class Decomposer {
    private Decomposer() {}

    /** The same computation with every composite expanded; inputs, weights and outputs keep their names. */
    public static Graph expand(Graph graph) {
        return expand(graph, op -> false);
    }

    /** As {@link #expand(Graph)}, but composites that {@code keep} accepts stay as they are (for fused kernels). */
    public static Graph expand(Graph graph, Predicate<Op> keep) {
        if (graph.nodes().stream().noneMatch(n -> n.op().isComposite() && !keep.test(n.op()))) return graph;
        GraphBuilder g = new GraphBuilder();
        Map<Integer, Value> map = new HashMap<>();
        for (Graph.Node n : graph.nodes()) {
            if (keep.test(n.op())) {
                map.put(n.value().id(), Replay.record(g, n, v -> map.get(v.id())));
                continue;
            }
            Value out = switch (n.op()) {
                case Op.RmsNorm r -> rmsNorm(g, map.get(r.x().id()), map.get(r.weight().id()), r.eps());
                case Op.LayerNorm l -> layerNorm(g, map.get(l.x().id()), map.get(l.weight().id()), map.get(l.bias().id()), l.eps());
                case Op.Rotary r -> rotary(g, map.get(r.x().id()), map.get(r.positions().id()), r.theta(), r.scaling());
                case Op.Attention a -> attention(g, map.get(a.q().id()), map.get(a.k().id()), map.get(a.v().id()),
                        a.mask() == null ? null : map.get(a.mask().id()), a.scale());
                default -> Replay.record(g, n, v -> map.get(v.id()));
            };
            map.put(n.value().id(), out);
        }
        graph.outputs().forEach((name, v) -> g.output(name, map.get(v.id())));
        return g.build();
    }

    static Value rmsNorm(GraphBuilder g, Value x, Value w, double eps) {
        Value ms = g.mean(g.mul(x, x), true, -1);
        return g.mul(g.mul(x, g.rsqrt(g.add(ms, eps))), w);
    }

    static Value layerNorm(GraphBuilder g, Value x, Value w, Value b, double eps) {
        Value centered = g.sub(x, g.mean(x, true, -1));
        Value var = g.mean(g.mul(centered, centered), true, -1);
        return g.add(g.mul(g.mul(centered, g.rsqrt(g.add(var, eps))), w), b);
    }

    /** Llama/Qwen2 "rotate half": out = x cos + concat(-x2, x1) sin, angles = position * theta^(-2i/D). */
    static Value rotary(GraphBuilder g, Value x, Value positions, double theta, RopeScaling scaling) {
        long d = fixed(x.shape().dim(3), "rotary head size");
        long half = d / 2;
        float[] invFreq = rotaryInverseFrequencies(theta, d, scaling);
        Value pos = positions.dtype() == DType.F32 ? positions : g.cast(positions, DType.F32);
        Value freqs = g.mul(g.unsqueeze(pos, 2), g.constant(Tensor.ofFloats(invFreq, half)));   // [B, T, D/2]
        Value angles = g.unsqueeze(g.concat(-1, freqs, freqs), 1);                             // [B, 1, T, D]
        Value x1 = g.slice(x, 3, 0, half);
        Value x2 = g.slice(x, 3, half, d);
        Value rotated = g.concat(3, g.neg(x2), x1);
        return g.add(g.mul(x, g.cos(angles)), g.mul(rotated, g.sin(angles)));
    }

    /** theta^(-2i/d) for i < d/2, computed in float32 as Hugging Face does, so angles match at long positions. */
    public static float[] rotaryInverseFrequencies(double theta, long d) {
        float[] invFreq = new float[(int) (d / 2)];
        for (int i = 0; i < invFreq.length; i++) invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / (float) d));
        return invFreq;
    }

    /**
     * The inverse frequencies stretched by {@code scaling}, in float32 step by step as Hugging
     * Face's rope initialisation computes them ({@code linear}: divided by the factor;
     * {@code llama3}: long wavelengths divided by the factor, short ones kept, the band between
     * blended linearly in {@code original context / wavelength}).
     */
    public static float[] rotaryInverseFrequencies(double theta, long d, RopeScaling scaling) {
        float[] invFreq = rotaryInverseFrequencies(theta, d);
        switch (scaling) {
            case RopeScaling.None none -> {}
            case RopeScaling.Linear lin -> {
                for (int i = 0; i < invFreq.length; i++) invFreq[i] = invFreq[i] / (float) lin.factor();
            }
            case RopeScaling.Llama3 l -> {
                float factor = (float) l.factor(), low = (float) l.lowFreqFactor(), high = (float) l.highFreqFactor();
                float context = l.originalMaxPositions();
                float lowFreqWavelen = (float) (l.originalMaxPositions() / l.lowFreqFactor());
                float highFreqWavelen = (float) (l.originalMaxPositions() / l.highFreqFactor());
                float band = (float) (l.highFreqFactor() - l.lowFreqFactor());
                for (int i = 0; i < invFreq.length; i++) {
                    float f = invFreq[i];
                    float wavelen = (float) (2 * Math.PI) / f;
                    if (wavelen > lowFreqWavelen) {
                        invFreq[i] = f / factor;                       // low frequencies: interpolated
                    } else if (wavelen >= highFreqWavelen) {
                        float smooth = (context / wavelen - low) / band;
                        invFreq[i] = (1 - smooth) * f / factor + smooth * f;
                    }                                                    // high frequencies: kept
                }
            }
        }
        return invFreq;
    }

    /** Grouped-query attention by broadcasting: query heads h = kv * rep + r share key/value head kv. */
    static Value attention(GraphBuilder g, Value q, Value k, Value v, Value mask, double scale) {
        long heads = fixed(q.shape().dim(1), "attention query heads");
        long kvHeads = fixed(k.shape().dim(1), "attention key/value heads");
        long headDim = fixed(q.shape().dim(3), "attention head size");
        long rep = heads / kvHeads;
        if (rep == 1) {
            Value scores = g.mul(g.matmul(q, g.transposeLast(k)), scale);
            if (mask != null) scores = g.add(scores, mask);
            return g.matmul(g.softmax(scores, -1), v);
        }
        Value q5 = g.reshape(q, 0, kvHeads, rep, -1, headDim);
        Value k5 = g.unsqueeze(k, 2);
        Value v5 = g.unsqueeze(v, 2);
        Value scores = g.mul(g.matmul(q5, g.transposeLast(k5)), scale);      // [B, KV, rep, T, S]
        if (mask != null) {
            // align the mask with [B, 1, T, S] first (numpy broadcasting from the right), then add the group axis
            while (mask.rank() < 4) mask = g.unsqueeze(mask, 0);
            scores = g.add(scores, g.unsqueeze(mask, 2));
        }
        Value out = g.matmul(g.softmax(scores, -1), v5);                      // [B, KV, rep, T, D]
        return g.reshape(out, 0, heads, -1, headDim);
    }

    private static long fixed(Dim d, String what) {
        if (d instanceof Dim.Fixed f) return f.size();
        throw new IllegalArgumentException(what + " must be a fixed size, not " + d);
    }
}
