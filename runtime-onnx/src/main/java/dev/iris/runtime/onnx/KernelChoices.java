package dev.iris.runtime.onnx;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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

    private final Graph graph;
    private final DType precision;
    private final Set<String> trainable;
    private final CompiledGraph.Quantization quantization;

    KernelChoices(Graph graph, DType precision, Set<String> trainable, CompiledGraph.Quantization quantization) {
        this.graph = graph;
        this.precision = precision;
        this.trainable = trainable;
        this.quantization = quantization;
        chooseQuantized();
        chooseSkipNorms();
        chooseCacheConcats();
    }

    /**
     * Frozen weights read as a linear layer's weight, with K a multiple of the block size. A weight
     * other operations also read (a tied LM head is the embedding table too) keeps its float copy
     * for them; the linear layer reads the codes. In a training graph such a weight stays float
     * alone, and the others are also read dequantized (see {@link #dequantized}).
     */
    private void chooseQuantized() {
        if (!quantization.enabled()) return;
        boolean training = !trainable.isEmpty();
        Map<Integer, Boolean> asLinear = new HashMap<>(), asMatMulRight = new HashMap<>(), otherwise = new HashMap<>();
        for (Graph.Node n : graph.nodes()) {
            for (Value in : n.op().inputs()) {
                if (!(graph.op(in) instanceof Op.Weight)) continue;
                boolean asLinearWeight = n.op() instanceof Op.Linear l && l.weight().equals(in) && !l.x().equals(in)
                        && (l.bias() == null || !l.bias().equals(in));
                boolean rightOfMatMul = training && n.op() instanceof Op.MatMul m && m.b().equals(in) && !m.a().equals(in);
                (asLinearWeight ? asLinear : rightOfMatMul ? asMatMulRight : otherwise).put(in.id(), true);
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
        Map<Integer, Integer> readers = new HashMap<>();
        for (Graph.Node n : graph.nodes()) for (Value in : n.op().inputs()) readers.merge(in.id(), 1, Integer::sum);
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.Attention a && isCacheConcat(a.k(), readers) && isCacheConcat(a.v(), readers)) {
                cacheConcats.add(a.k().id());
                cacheConcats.add(a.v().id());
                attentionsWithPast.add(n.value().id());
            }
        }
    }

    private boolean isCacheConcat(Value v, Map<Integer, Integer> readers) {
        return graph.op(v) instanceof Op.Concat c && c.parts().size() == 2 && (c.axis() == 2 || c.axis() == -2) && v.rank() == 4
                && readers.getOrDefault(v.id(), 0) == 1;
    }
}
