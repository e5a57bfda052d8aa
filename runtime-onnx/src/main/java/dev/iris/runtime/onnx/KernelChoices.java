package dev.iris.runtime.onnx;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which parts of a graph {@link OnnxCompiler} lowers to ONNX Runtime's fused kernels instead of
 * primitives: int8/int4 linear weights, residual additions folded into the norm that reads
 * them, and KV-cache concatenations taken over by the attention node. Chosen once, before
 * lowering, from the whole graph (a choice depends on every reader of a value).
 */
final class KernelChoices {
    /** Quantized weights (qualified names), and those of them other operations read as floats too. */
    final Set<String> quantized = new LinkedHashSet<>(), floatToo = new LinkedHashSet<>();
    /**
     * Quantized int8 weights a training graph reads as the right operand of a MatMul (the
     * backward product dx = dy W of a frozen linear layer), and in blocks also as a linear
     * layer's weight: dequantized from the codes next to each product instead of bound as a float
     * copy, so the frozen base is held as codes only.
     */
    final Set<String> dequantized = new LinkedHashSet<>();
    /** Residual additions computed by a fused SkipSimplifiedLayerNormalization, by value id: the norm that reads them. */
    final Map<Integer, Graph.Node> skipNorms = new HashMap<>();
    final Set<Integer> normsWithSkip = new HashSet<>();
    /** KV-cache concatenations done by the Attention node that reads them (value ids), and those Attention nodes. */
    final Set<Integer> cacheConcats = new HashSet<>(), attentionsWithPast = new HashSet<>();

    /**
     * Attention nodes that read q, k and v as [B, T, heads * hd] and write [B, T, heads * hd] (by
     * the attention's value id), the per-head reshapes and transposes around them that are then
     * not emitted, and rotary embeddings applied to the 3-D form (by value id: heads, 3-D input).
     */
    record Attention3d(Value q, Value k, Value v, long qHeads, long kvHeads, Value merged) {}
    record Rotary3d(Value x, long heads) {}
    final Map<Integer, Attention3d> attentions3d = new HashMap<>();
    final Map<Integer, Rotary3d> rotaries3d = new HashMap<>();
    final Set<Integer> headSplits = new HashSet<>();

    /** How many input slots read each value, the last node reading it, and the graph's outputs (value ids). */
    private final Map<Integer, Integer> readers = new HashMap<>();
    private final Map<Integer, Graph.Node> lastReader = new HashMap<>();
    private final Set<Integer> outputs = new HashSet<>();

    private final Graph graph;
    private final DType precision;
    private final Set<String> trainable;
    private final CompiledGraph.Quantization quantization;

    KernelChoices(Graph graph, DType precision, Set<String> trainable, CompiledGraph.Quantization quantization) {
        this.graph = graph;
        this.precision = precision;
        this.trainable = trainable;
        this.quantization = quantization;
        for (Graph.Node n : graph.nodes()) {
            for (Value in : n.op().inputs()) {
                readers.merge(in.id(), 1, Integer::sum);
                lastReader.put(in.id(), n);
            }
        }
        graph.outputs().values().forEach(v -> outputs.add(v.id()));
        chooseQuantized();
        chooseSkipNorms();
        chooseCacheConcats();
        chooseAttention3d();
    }

    /**
     * Frozen weights read as a linear layer's weight, with K a multiple of the block size, and in
     * an inference graph also embedding tables (frozen weights read only as a Gather's table, or
     * by Gathers and linear layers: a tied LM head): the Gather then reads rows of the codes and
     * dequantizes just those (see OnnxCompiler), so no float copy of the table is bound. A weight
     * other operations also read keeps its float copy for them. In a training graph a weight any
     * other operation reads (a tied LM head's table too) stays float alone, and the others are
     * also read dequantized (see {@link #dequantized}).
     */
    private void chooseQuantized() {
        if (!quantization.enabled()) return;
        boolean training = !trainable.isEmpty();
        Map<Integer, Boolean> asLinear = new HashMap<>(), asMatMulRight = new HashMap<>(), asTable = new HashMap<>(), otherwise = new HashMap<>();
        for (Graph.Node n : graph.nodes()) {
            for (Value in : n.op().inputs()) {
                if (!(graph.op(in) instanceof Op.Weight)) continue;
                boolean asLinearWeight = n.op() instanceof Op.Linear l && l.weight().equals(in) && !l.x().equals(in)
                        && (l.bias() == null || !l.bias().equals(in));
                boolean rightOfMatMul = training && n.op() instanceof Op.MatMul m && m.b().equals(in) && !m.a().equals(in);
                boolean gatherTable = !training && n.op() instanceof Op.Gather ga && ga.table().equals(in) && !ga.indices().equals(in)
                        && in.rank() == 2 && in.dtype() == DType.F32;
                (asLinearWeight ? asLinear : rightOfMatMul ? asMatMulRight : gatherTable ? asTable : otherwise).put(in.id(), true);
            }
        }
        if (!training) {
            // embedding tables read by nothing but Gathers (and linear layers: a tied head) are codes only
            for (Integer id : asTable.keySet()) {
                Value v = graph.nodes().get(id).value();
                if (otherwise.containsKey(id) || !quantization.quantizes(v.shape().sizes()[1])) otherwise.put(id, true);   // read as floats
                else quantized.add(((Op.Weight) graph.op(v)).qualifiedName());
            }
        }
        asLinear.keySet().forEach(id -> {
            Value v = graph.nodes().get(id).value();
            String q = ((Op.Weight) graph.op(v)).qualifiedName();
            if (trainable.contains(q) || !quantization.quantizes(v.shape().sizes()[1])) return;
            if (!training) {
                quantized.add(q);
                if (otherwise.containsKey(id)) floatToo.add(q);
                return;
            }
            // a training graph that needs the float weight anyway (a tied LM head's embedding table)
            // reads it alone: codes beside it would add memory. int4 codes (two to a byte) have no
            // DequantizeLinear form here: training graphs keep them float (and sessions refuse int4)
            if (otherwise.containsKey(id) || quantization.bits() != 8) return;
            quantized.add(q);
            // in blocks the forward product reads the dequantized weight too (see OnnxCompiler)
            if (asMatMulRight.containsKey(id) || !quantization.perChannel()) dequantized.add(q);
        });
    }

    /**
     * x = a + b followed by rmsNorm(x): one com.microsoft:SkipSimplifiedLayerNormalization gives
     * both the norm and the sum (the residual stream), as in every pre-norm decoder layer.
     */
    private void chooseSkipNorms() {
        if (precision != DType.F32) return;
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.RmsNorm r && graph.op(r.x()) instanceof Op.Binary b && b.fn() == Op.BinaryFn.ADD
                    && b.a().shape().equals(b.b().shape()) && b.a().rank() >= 2 && graph.op(r.weight()) instanceof Op.Weight
                    && !skipNorms.containsKey(r.x().id())) {
                skipNorms.put(r.x().id(), n);
                normsWithSkip.add(n.value().id());
            }
        }
    }

    /**
     * attention(q, concat(pastK, k), concat(pastV, v), mask): opset-23 Attention takes the past
     * keys and values itself and returns the concatenations as its present outputs, when nothing
     * else reads them before it.
     */
    private void chooseCacheConcats() {
        if (precision != DType.F32) return;
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.Attention a && isCacheConcat(a.k()) && isCacheConcat(a.v())) {
                cacheConcats.add(a.k().id());
                cacheConcats.add(a.v().id());
                attentionsWithPast.add(n.value().id());
            }
        }
    }

    /**
     * x [B, T, D] -> reshape [B, T, n, hd] -> transpose to [B, n, T, hd] (-> rotary) feeding an
     * attention, and its output transposed back and reshaped to [B, T, n * hd]: opset-23 Attention
     * and RotaryEmbedding take the 3-D form with head counts, so these 4 reshapes and 4 transposes
     * per layer (about 200 small kernels per decode step) are not run.
     */
    private void chooseAttention3d() {
        if (precision != DType.F32) return;
        for (Graph.Node n : graph.nodes()) {
            if (!(n.op() instanceof Op.Attention a) || !readOnceInside(n.value())) continue;
            boolean past = attentionsWithPast.contains(n.value().id());
            Value k = past ? ((Op.Concat) graph.op(a.k())).parts().get(1) : a.k();
            Value v = past ? ((Op.Concat) graph.op(a.v())).parts().get(1) : a.v();
            List<Integer> splits = new ArrayList<>();
            Map<Integer, Rotary3d> rotaries = new HashMap<>();
            Flat q3 = threeD(a.q(), splits, rotaries), k3 = threeD(k, splits, rotaries), v3 = threeD(v, splits, rotaries);
            // the output: transposed back to [B, T, n, hd] and merged to [B, T, n * hd]
            Graph.Node back = lastReader.get(n.value().id());
            if (q3 == null || k3 == null || v3 == null || !(back.op() instanceof Op.Transpose t) || !java.util.Arrays.equals(t.perm(), TO_HEADS)
                    || !readOnceInside(back.value())) continue;
            Graph.Node merge = lastReader.get(back.value().id());
            if (!(merge.op() instanceof Op.Reshape r) || r.dims().length != 3 || r.dims()[0] != 0 || r.dims()[1] != 0) continue;
            splits.add(back.value().id());
            splits.add(merge.value().id());
            headSplits.addAll(splits);
            rotaries3d.putAll(rotaries);
            attentions3d.put(n.value().id(), new Attention3d(q3.value(), k3.value(), v3.value(), q3.heads(), k3.heads(), merge.value()));
        }
    }

    private static final int[] TO_HEADS = {0, 2, 1, 3};

    /**
     * The value an attention reads in 3-D form for {@code x4} = [rotary of] transpose(reshape(x,
     * [0, 0, n, hd]), 0 2 1 3), x [B, T, n * hd]; null when it is not that (or a step has other readers).
     */
    private record Flat(Value value, long heads) {}

    private Flat threeD(Value x4, List<Integer> splits, Map<Integer, Rotary3d> rotaries) {
        Value head = x4;
        Op.Rotary rotary = null;
        if (graph.op(x4) instanceof Op.Rotary r) {
            if (!readOnceInside(x4)) return null;
            rotary = r;
            head = r.x();
        }
        if (!(graph.op(head) instanceof Op.Transpose t) || !java.util.Arrays.equals(t.perm(), TO_HEADS) || !readOnceInside(head)) return null;
        if (!(graph.op(t.x()) instanceof Op.Reshape r) || !readOnceInside(t.x()) || r.dims().length != 4 || r.dims()[0] != 0
                || r.dims()[1] != 0 || r.x().rank() != 3 || !(x4.shape().dim(3) instanceof Dim.Fixed)) return null;
        splits.add(head.id());
        splits.add(t.x().id());
        if (rotary == null) return new Flat(r.x(), r.dims()[2]);
        rotaries.put(x4.id(), new Rotary3d(r.x(), r.dims()[2]));
        return new Flat(x4, r.dims()[2]);
    }

    private boolean isCacheConcat(Value v) {
        return graph.op(v) instanceof Op.Concat c && c.parts().size() == 2 && (c.axis() == 2 || c.axis() == -2) && v.rank() == 4
                && readers.getOrDefault(v.id(), 0) == 1;
    }

    /** Whether one node reads {@code v} and it is not a graph output: a lowering may then fold it into that reader. */
    private boolean readOnceInside(Value v) {
        return readers.getOrDefault(v.id(), 0) == 1 && !outputs.contains(v.id());
    }
}
