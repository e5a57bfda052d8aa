package dev.iris.runtime.onnx;

import static dev.iris.runtime.onnx.OnnxProtos.constantNode;
import static dev.iris.runtime.onnx.OnnxProtos.floatAttr;
import static dev.iris.runtime.onnx.OnnxProtos.intAttr;
import static dev.iris.runtime.onnx.OnnxProtos.ints;
import static dev.iris.runtime.onnx.OnnxProtos.node;
import static dev.iris.runtime.onnx.OnnxProtos.onnxType;
import static dev.iris.runtime.onnx.OnnxProtos.strAttr;
import static dev.iris.runtime.onnx.OnnxProtos.tensorProto;
import static dev.iris.runtime.onnx.OnnxProtos.toLongs;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.Decomposer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashMap;

/**
 * Compiles a graph description into an ONNX model (opset 23), built as protobuf in Java.
 * Float values are emitted in the requested precision (float32, or float64 for gradient
 * checks). Frozen weights become external initializers that the session binds from direct
 * buffers; trainable weights become graph inputs fed on every step.
 */
public final class OnnxCompiler {

    public static final int OPSET = 23;
    private static final int IR_VERSION = 10;

    private final Graph graph;
    private final DType precision;
    private final Set<String> trainable;
    private final CompiledGraph.Quantization quantization;
    private final GraphProto.Builder gp = GraphProto.newBuilder().setName("iris");
    private final Map<Integer, String> names = new HashMap<>();   // value id -> its input, weight or output name
    private final KernelChoices kernels;
    private final Map<String, String[]> rotaryTables = new HashMap<>();   // cos and sin values by positions, theta and head size: computed once
    private int counter;

    private OnnxCompiler(Graph graph, DType precision, Set<String> trainable, CompiledGraph.Quantization quantization) {
        this.graph = graph;
        this.precision = precision;
        this.trainable = trainable;
        this.quantization = quantization;
        this.kernels = new KernelChoices(graph, precision, trainable, quantization);
    }

    /**
     * @param precision F32 or F64: the element type float values are computed in
     * @param trainable qualified weight names fed as inputs instead of bound as initializers
     */
    public static CompiledGraph compile(Graph graph, DType precision, Collection<String> trainable) {
        return compile(graph, precision, trainable, CompiledGraph.Quantization.NONE);
    }

    /**
     * As {@link #compile(Graph, DType, Collection)}; with {@code quantization} enabled, frozen
     * linear-layer weights run as {@code com.microsoft:MatMulNBits} (or MatMulIntegerToFloat per
     * channel) and, in inference graphs, embedding tables are gathered from their codes (norms,
     * trainable weights and a training graph's tables stay float; see {@link KernelChoices}).
     */
    public static CompiledGraph compile(Graph graph, DType precision, Collection<String> trainable, CompiledGraph.Quantization quantization) {
        if (precision != DType.F32 && precision != DType.F64) throw new IllegalArgumentException("precision must be F32 or F64: " + precision);
        if (quantization.enabled() && precision != DType.F32) throw new IllegalArgumentException("quantized weights need float32 compute");
        // float32 graphs keep the normalisations whole for ONNX Runtime's fused kernels; float64
        // graphs (gradient checks) and training graphs (already expanded) use the primitives
        Graph g = precision == DType.F32 ? Decomposer.expand(graph, OnnxCompiler::fused) : Decomposer.expand(graph);
        OnnxCompiler c = new OnnxCompiler(g, precision, new LinkedHashSet<>(trainable), quantization);
        return c.emit();
    }

    /**
     * Composites lowered to one ONNX Runtime kernel each: normalisations, rotary embeddings
     * (opset 23 RotaryEmbedding) and attention (opset 23 Attention, grouped-query heads and an
     * additive mask included). In a decode step of Qwen2.5-0.5B this took the node count from
     * 1380 to 686 (ORT profile); the small nodes' dispatch cost more than their arithmetic.
     */
    private static boolean fused(Op op) {
        return op instanceof Op.RmsNorm || op instanceof Op.LayerNorm || op instanceof Op.Rotary || op instanceof Op.Attention;
    }

    private CompiledGraph emit() {
        // a computed value that is a graph output is produced under that name (the first, if several)
        graph.outputs().forEach((outName, v) -> {
            boolean computed = !(graph.op(v) instanceof Op.Input) && !(graph.op(v) instanceof Op.Weight);
            if (computed && !names.containsKey(v.id()) && !internalLooking(outName)) names.put(v.id(), outName);
        });
        List<String> feeds = new ArrayList<>();
        Map<String, Value> frozen = new LinkedHashMap<>();
        Map<String, Value> fed = new LinkedHashMap<>();
        Set<String> unknown = new LinkedHashSet<>(trainable);
        for (Graph.Node n : graph.nodes()) {
            Value v = n.value();
            switch (n.op()) {
                case Op.Input in -> {
                    gp.addInput(valueInfo(in.name(), v, true));
                    feeds.add(in.name());
                    fed.put(in.name(), v);
                    if (internalLooking(in.name())) gp.addNode(node("Identity", List.of(in.name()), name(v)));
                    else names.put(v.id(), in.name());
                }
                case Op.Weight w -> {
                    String q = w.qualifiedName();
                    if (trainable.contains(q)) {
                        unknown.remove(q);
                        gp.addInput(valueInfo(q, v, true));
                        feeds.add(q);
                        fed.put(q, v);
                    } else if (kernels.quantized.contains(q)) {
                        frozen.put(q, v);   // bound from the float tensor, quantized by the session
                        long[] s = v.shape().sizes();
                        if (quantization.perChannel()) {
                            gp.addInitializer(OnnxProtos.externalInitializer(CompiledGraph.Quantization.codes(q), DType.U8, new long[] {s[1], s[0]}));
                            gp.addInitializer(OnnxProtos.externalInitializer(CompiledGraph.Quantization.scales(q), DType.F32, new long[] {s[0]}));
                        } else {
                            int block = quantization.blockFor(s[1]), blocks = (int) (s[1] / block);
                            gp.addInitializer(OnnxProtos.externalInitializer(CompiledGraph.Quantization.codes(q), DType.U8,
                                    new long[] {s[0], blocks, (long) block * quantization.bits() / 8}));
                            gp.addInitializer(OnnxProtos.externalInitializer(CompiledGraph.Quantization.scales(q), DType.F32, new long[] {s[0] * blocks}));
                        }
                        if (!kernels.floatToo.contains(q)) continue;   // no float copy of the weight in the graph
                        gp.addInitializer(externalInitializer(q, v));
                    } else {
                        frozen.put(q, v);
                        gp.addInitializer(externalInitializer(q, v));
                    }
                    names.put(v.id(), q);   // qualified names hold a '/': never internal-looking
                }
                default -> lower(n.op(), v);
            }
        }
        if (!unknown.isEmpty()) throw new IllegalArgumentException("trainable weights not in the graph: " + unknown);
        List<String> outputs = new ArrayList<>();
        graph.outputs().forEach((outName, v) -> {
            if (!name(v).equals(outName)) gp.addNode(node("Identity", List.of(name(v)), outName));
            gp.addOutput(valueInfo(outName, v, false));
            outputs.add(outName);
        });
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("iris")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .setGraph(gp)
                .build();
        return new CompiledGraph(model.toByteArray(), precision, feeds, fed, outputs, frozen, quantization, Set.copyOf(kernels.quantized),
                Set.copyOf(kernels.floatToo), Set.copyOf(trainable));
    }

    // ------------------------------------------------------------------ lowering

    private void lower(Op op, Value v) {
        String out = name(v);
        switch (op) {
            case Op.Input in -> throw new AssertionError();
            case Op.Weight w -> throw new AssertionError();
            case Op.Constant c -> gp.addNode(constantNode(out, convert(c.value())));
            case Op.Unary u -> unary(u, out);
            case Op.Binary b when kernels.skipNorms.containsKey(v.id()) -> {
                // emitted where the sum is made; the norm's weight is read by its initializer (or input) name
                Graph.Node norm = kernels.skipNorms.get(v.id());
                Op.RmsNorm r = (Op.RmsNorm) norm.op();
                gp.addNode(node("SkipSimplifiedLayerNormalization", List.of(name(b.a()), name(b.b()),
                        ((Op.Weight) graph.op(r.weight())).qualifiedName()), name(norm.value()), floatAttr("epsilon", r.eps()))
                        .toBuilder().addOutput("").addOutput("").addOutput(out).setDomain("com.microsoft"));
            }
            case Op.RmsNorm r when kernels.normsWithSkip.contains(v.id()) -> {}   // computed with its residual addition
            case Op.Binary b -> gp.addNode(node(switch (b.fn()) {
                case ADD -> "Add";
                case SUB -> "Sub";
                case MUL -> "Mul";
                case DIV -> "Div";
            }, List.of(name(b.a()), name(b.b())), out));
            case Op.Pow p -> gp.addNode(node("Pow", List.of(name(p.x()), floatConst(p.exponent())), out));
            case Op.MatMul m when isDequantized(m.b()) -> dequantizedMatMul(m, out);
            case Op.MatMul m -> gp.addNode(node("MatMul", List.of(name(m.a()), name(m.b())), out));
            case Op.Linear l when isDequantized(l.weight()) && !quantization.perChannel() -> {
                // training, in blocks: MatMulNBits without pre-packing (off in training sessions)
                // dequantized the whole weight inside on every pass, and quantizes x to int8 too;
                // a float product over the weight dequantized next to it held less (measured)
                String mm = l.bias() == null ? out : tmp();
                gp.addNode(node("FusedMatMul", List.of(name(l.x()), dequantized(l.weight(), l.x())), mm, intAttr("transB", 1))
                        .toBuilder().setDomain("com.microsoft"));
                if (l.bias() != null) gp.addNode(node("Add", List.of(mm, name(l.bias())), out));
            }
            case Op.Linear l when isQuantized(l.weight()) && quantization.perChannel() -> {
                // x quantized per row (once for all the layers reading it, e.g. q, k and v) times
                // the codes [K, N] in an integer GEMM scaled per output channel, then per row
                String q = ((Op.Weight) graph.op(l.weight())).qualifiedName();
                RowQuantized a = rowQuantized.computeIfAbsent(name(l.x()), x -> rowQuantize(l.x(), l.weight().shape().sizes()[1]));
                String perColumn = tmp(), scaled = l.bias() == null ? out : tmp();
                gp.addNode(node("MatMulIntegerToFloat", List.of(a.codes(), CompiledGraph.Quantization.codes(q), floatConst(1.0),
                        CompiledGraph.Quantization.scales(q), a.zeroPoint(), a.zeroPoint()), perColumn).toBuilder().setDomain("com.microsoft"));
                gp.addNode(node("Mul", List.of(perColumn, a.scales()), scaled));
                if (l.bias() != null) gp.addNode(node("Add", List.of(scaled, name(l.bias())), out));
            }
            case Op.Linear l when isQuantized(l.weight()) -> {
                String q = ((Op.Weight) graph.op(l.weight())).qualifiedName();
                long[] s = l.weight().shape().sizes();
                NodeProto.Builder nb = node("MatMulNBits", List.of(name(l.x()), CompiledGraph.Quantization.codes(q),
                        CompiledGraph.Quantization.scales(q)), l.bias() == null ? out : tmp() + "_nbits",
                        intAttr("K", s[1]), intAttr("N", s[0]), intAttr("bits", quantization.bits()),
                        intAttr("block_size", quantization.blockFor(s[1])),
                        intAttr("accuracy_level", quantization.accuracyLevel())).toBuilder().setDomain("com.microsoft");
                gp.addNode(nb);
                if (l.bias() != null) gp.addNode(node("Add", List.of(nb.getOutput(0), name(l.bias())), out));
            }
            case Op.Linear l when precision == DType.F32 -> {
                // x W^T in one kernel reading W as stored: a Transpose would be folded into a second
                // copy of every weight, and training graphs also read W untransposed (dx = dy W)
                String mm = l.bias() == null ? out : tmp();
                gp.addNode(node("FusedMatMul", List.of(name(l.x()), name(l.weight())), mm, intAttr("transB", 1)).toBuilder().setDomain("com.microsoft"));
                if (l.bias() != null) gp.addNode(node("Add", List.of(mm, name(l.bias())), out));
            }
            case Op.Linear l -> {   // float64: FusedMatMul has float32 kernels only
                String wt = tmp();
                gp.addNode(node("Transpose", List.of(name(l.weight())), wt, ints("perm", 1, 0)));
                if (l.bias() == null) {
                    gp.addNode(node("MatMul", List.of(name(l.x()), wt), out));
                } else {
                    String mm = tmp();
                    gp.addNode(node("MatMul", List.of(name(l.x()), wt), mm));
                    gp.addNode(node("Add", List.of(mm, name(l.bias())), out));
                }
            }
            case Op.Reduce r -> gp.addNode(node(switch (r.fn()) { case SUM -> "ReduceSum"; case MEAN -> "ReduceMean"; case MAX -> "ReduceMax"; },
                    List.of(name(r.x()), longConst(toLongs(r.axes()))), out, intAttr("keepdims", r.keepDims() ? 1 : 0)));
            case Op.Softmax s -> gp.addNode(node("Softmax", List.of(name(s.x())), out, intAttr("axis", s.axis())));
            case Op.Reshape r when kernels.headSplits.contains(v.id()) -> {}   // attention reads and writes [B, T, heads * hd]
            case Op.Reshape r -> gp.addNode(node("Reshape", List.of(name(r.x()), longConst(r.dims())), out));
            case Op.Unsqueeze u -> gp.addNode(node("Unsqueeze", List.of(name(u.x()), longConst(new long[] {u.axis()})), out));
            case Op.ReshapeLike r -> gp.addNode(node("Reshape", List.of(name(r.x()), shapeOf(name(r.like()))), out));
            case Op.ExpandLike e -> gp.addNode(node("Expand", List.of(name(e.x()), shapeOf(name(e.like()))), out));
            case Op.Transpose t when kernels.headSplits.contains(v.id()) -> {}
            case Op.Transpose t -> gp.addNode(node("Transpose", List.of(name(t.x())), out, ints("perm", t.perm())));
            case Op.Concat c when kernels.cacheConcats.contains(v.id()) -> {}   // made by the Attention node that reads it
            case Op.Concat c -> gp.addNode(node("Concat", c.parts().stream().map(this::name).toList(), out, intAttr("axis", c.axis())));
            case Op.Slice s -> gp.addNode(node("Slice", List.of(name(s.x()), longConst(new long[] {s.start()}),
                    longConst(new long[] {s.end()}), longConst(new long[] {s.axis()})), out));
            case Op.Pad p -> {
                long[] pads = new long[2 * p.x().rank()];
                pads[p.axis()] = p.before();
                pads[p.x().rank() + p.axis()] = p.after();
                gp.addNode(node("Pad", List.of(name(p.x()), longConst(pads)), out));
            }
            case Op.Gather ga when isQuantized(ga.table()) && !kernels.floatToo.contains(qualifiedName(ga.table())) -> gatheredRows(ga, out);
            case Op.Gather ga -> gp.addNode(node("Gather", List.of(name(ga.table()), name(ga.indices())), out, intAttr("axis", 0)));
            case Op.ScatterAddRows s -> {
                String zeros = zerosLike(name(s.like()));
                String idx = tmp();
                gp.addNode(node("Unsqueeze", List.of(name(s.indices()), longConst(new long[] {-1})), idx));
                gp.addNode(node("ScatterND", List.of(zeros, idx, name(s.updates())), out, strAttr("reduction", "add")));
            }
            case Op.Cast c -> gp.addNode(node("Cast", List.of(name(c.x())), out, intAttr("to", onnxTypeOfCast(c.to()))));
            case Op.CrossEntropy ce -> crossEntropy(ce, out);
            case Op.CrossEntropyGrad ce -> crossEntropyGrad(ce, out);
            case Op.ConcatGradPart c -> {
                // start = sum of the earlier parts' sizes along the axis, end = start + this part's size
                String start = longConst(new long[] {0});
                for (int j = 0; j < c.index(); j++) {
                    String sum = tmp();
                    gp.addNode(node("Add", List.of(start, dimOf(name(c.parts().get(j)), c.axis())), sum));
                    start = sum;
                }
                String end = tmp();
                gp.addNode(node("Add", List.of(start, dimOf(name(c.parts().get(c.index())), c.axis())), end));
                gp.addNode(node("Slice", List.of(name(c.grad()), start, end, longConst(new long[] {c.axis()})), out));
            }
            // SimplifiedLayerNormalization lives in the default domain in ORT (not com.microsoft)
            case Op.RmsNorm r -> gp.addNode(node("SimplifiedLayerNormalization", List.of(name(r.x()), name(r.weight())), out,
                    intAttr("axis", -1), floatAttr("epsilon", r.eps()), intAttr("stash_type", 1)));
            case Op.LayerNorm l -> gp.addNode(node("LayerNormalization", List.of(name(l.x()), name(l.weight()), name(l.bias())), out,
                    intAttr("axis", -1), floatAttr("epsilon", l.eps()), intAttr("stash_type", 1)));
            case Op.Rotary r -> {
                // per-token cos/sin tables [B, T, D/2] (no position ids): computed once per positions input, shared by every layer
                String[] tables = rotaryTables(r);
                KernelChoices.Rotary3d flat = kernels.rotaries3d.get(v.id());
                if (flat != null) {
                    gp.addNode(node("RotaryEmbedding", List.of(name(flat.x()), tables[0], tables[1]), out, intAttr("interleaved", 0),
                            intAttr("num_heads", flat.heads())));
                } else {
                    gp.addNode(node("RotaryEmbedding", List.of(name(r.x()), tables[0], tables[1]), out, intAttr("interleaved", 0)));
                }
            }
            case Op.Attention a when kernels.attentions3d.containsKey(v.id()) -> {
                KernelChoices.Attention3d a3 = kernels.attentions3d.get(v.id());
                boolean past = kernels.attentionsWithPast.contains(v.id());
                List<String> in = new ArrayList<>(List.of(name(a3.q()), name(a3.k()), name(a3.v()), a.mask() == null ? "" : name(a.mask())));
                if (past) {
                    in.add(name(((Op.Concat) graph.op(a.k())).parts().get(0)));
                    in.add(name(((Op.Concat) graph.op(a.v())).parts().get(0)));
                }
                NodeProto.Builder nb = node("Attention", in, name(a3.merged()), floatAttr("scale", a.scale()), intAttr("q_num_heads", a3.qHeads()),
                        intAttr("kv_num_heads", a3.kvHeads())).toBuilder();
                if (past) nb.addOutput(name(a.k())).addOutput(name(a.v()));
                gp.addNode(nb);
            }
            case Op.Attention a when kernels.attentionsWithPast.contains(v.id()) -> {
                Op.Concat k = (Op.Concat) graph.op(a.k()), val = (Op.Concat) graph.op(a.v());
                gp.addNode(node("Attention", List.of(name(a.q()), name(k.parts().get(1)), name(val.parts().get(1)),
                        a.mask() == null ? "" : name(a.mask()), name(k.parts().get(0)), name(val.parts().get(0))), out,
                        floatAttr("scale", a.scale())).toBuilder().addOutput(name(a.k())).addOutput(name(a.v())));
            }
            case Op.Attention a -> {
                List<String> in = new ArrayList<>(List.of(name(a.q()), name(a.k()), name(a.v())));
                if (a.mask() != null) in.add(name(a.mask()));
                gp.addNode(node("Attention", in, out, floatAttr("scale", a.scale())));
            }
        }
    }

    /** cos and sin of positions x the rotary inverse frequencies. */
    private String[] rotaryTables(Op.Rotary r) {
        if (!(r.x().shape().dim(3) instanceof Dim.Fixed f)) throw new IllegalArgumentException("rotary head size must be fixed: " + r.x().shape());
        long d = f.size();
        return rotaryTables.computeIfAbsent(name(r.positions()) + "/" + r.theta() + "/" + d + "/" + r.scaling(), key -> {
            float[] invFreq = Decomposer.rotaryInverseFrequencies(r.theta(), d, r.scaling());
            String pos = tmp(), pos3 = tmp(), freqs = tmp(), cos = tmp(), sin = tmp(), table = tmp();
            gp.addNode(constantNode(table, convert(Tensor.ofFloats(invFreq, invFreq.length))));
            gp.addNode(node("Cast", List.of(name(r.positions())), pos, intAttr("to", onnxType(precision))));
            gp.addNode(node("Unsqueeze", List.of(pos, longConst(new long[] {2})), pos3));
            gp.addNode(node("Mul", List.of(pos3, table), freqs));
            gp.addNode(node("Cos", List.of(freqs), cos));
            gp.addNode(node("Sin", List.of(freqs), sin));
            return new String[] {cos, sin};
        });
    }

    private void unary(Op.Unary u, String out) {
        String x = name(u.x());
        switch (u.fn()) {
            case NEG -> gp.addNode(node("Neg", List.of(x), out));
            case EXP -> gp.addNode(node("Exp", List.of(x), out));
            case LOG -> gp.addNode(node("Log", List.of(x), out));
            case SQRT -> gp.addNode(node("Sqrt", List.of(x), out));
            case RSQRT -> {
                String s = tmp();
                gp.addNode(node("Sqrt", List.of(x), s));
                gp.addNode(node("Reciprocal", List.of(s), out));
            }
            case RECIPROCAL -> gp.addNode(node("Reciprocal", List.of(x), out));
            case TANH -> gp.addNode(node("Tanh", List.of(x), out));
            case SIGMOID -> gp.addNode(node("Sigmoid", List.of(x), out));
            case SILU -> {
                String s = tmp();
                gp.addNode(node("Sigmoid", List.of(x), s));
                gp.addNode(node("Mul", List.of(x, s), out));
            }
            case GELU_TANH -> {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                String x3 = tmp(), inner = tmp(), scaled = tmp(), t = tmp(), onePlus = tmp(), half = tmp();
                gp.addNode(node("Mul", List.of(x, mulSelf(x)), x3));
                gp.addNode(node("Add", List.of(x, scale(x3, 0.044715)), inner));
                gp.addNode(node("Mul", List.of(inner, floatConst(Math.sqrt(2 / Math.PI))), scaled));
                gp.addNode(node("Tanh", List.of(scaled), t));
                gp.addNode(node("Add", List.of(t, floatConst(1.0)), onePlus));
                gp.addNode(node("Mul", List.of(x, floatConst(0.5)), half));
                gp.addNode(node("Mul", List.of(half, onePlus), out));
            }
            case SIN -> gp.addNode(node("Sin", List.of(x), out));
            case ERF -> {
                if (precision == DType.F64) erfSeries(x, out);
                else gp.addNode(node("Erf", List.of(x), out));
            }
            case COS -> {
                if (precision == DType.F64) {
                    // ORT's CPU provider has no float64 Cos kernel, but has Sin: cos x = sin(x + pi/2)
                    String shifted = tmp();
                    gp.addNode(node("Add", List.of(x, floatConst(Math.PI / 2)), shifted));
                    gp.addNode(node("Sin", List.of(shifted), out));
                } else {
                    gp.addNode(node("Cos", List.of(x), out));
                }
            }
        }
    }

    /**
     * erf in float64, which ORT's CPU provider has no Erf kernel for: with a = clamp(x, -6, 6)
     * (erf(6) is 1 in double) and t = 2a^2, erf = 2/sqrt(pi) e^(-a^2) a sum_n t^n / (2n+1)!!,
     * a series of positive terms evaluated by Horner; 100 terms reach double precision at |a| = 6.
     */
    private void erfSeries(String x, String out) {
        final int terms = 100;
        String lo = tmp(), a = tmp(), a2 = tmp(), t = tmp();
        gp.addNode(node("Max", List.of(x, floatConst(-6.0)), lo));
        gp.addNode(node("Min", List.of(lo, floatConst(6.0)), a));
        gp.addNode(node("Mul", List.of(a, a), a2));
        gp.addNode(node("Mul", List.of(a2, floatConst(2.0)), t));
        // s_n = 1 + t / (2n + 3) * s_(n+1), nested from the last term: only moderate constants
        // (coefficients like 1 / 201!! would be far below float range, and ORT loses them)
        String s = floatConst(1.0);
        for (int n = terms; n >= 1; n--) {
            String st = tmp(), scaled = tmp(), next = tmp();
            gp.addNode(node("Mul", List.of(s, t), st));
            gp.addNode(node("Mul", List.of(st, floatConst(1.0 / (2 * n + 1))), scaled));
            gp.addNode(node("Add", List.of(scaled, floatConst(1.0)), next));
            s = next;
        }
        String negA2 = tmp(), e = tmp(), as = tmp(), eas = tmp();
        gp.addNode(node("Neg", List.of(a2), negA2));
        gp.addNode(node("Exp", List.of(negA2), e));
        gp.addNode(node("Mul", List.of(a, s), as));
        gp.addNode(node("Mul", List.of(e, as), eas));
        gp.addNode(node("Mul", List.of(eas, floatConst(2 / Math.sqrt(Math.PI))), out));
    }

    private String mulSelf(String x) {
        String o = tmp();
        gp.addNode(node("Mul", List.of(x, x), o));
        return o;
    }

    private String scale(String x, double s) {
        String o = tmp();
        gp.addNode(node("Mul", List.of(x, floatConst(s)), o));
        return o;
    }

    /** Shared part of the loss and its gradient: log-probabilities, the label mask and the label count. */
    private record LossParts(String safeLabels2d, String validFloat, String count) {}

    private LossParts lossParts(String labels, long ignoreIndex) {
        String ignore = longConst(new long[] {ignoreIndex});
        String isIgnored = tmp(), valid = tmp(), validF = tmp(), safe = tmp(), safe2d = tmp(), count = tmp();
        gp.addNode(node("Equal", List.of(labels, ignore), isIgnored));
        gp.addNode(node("Not", List.of(isIgnored), valid));
        gp.addNode(node("Cast", List.of(valid), validF, intAttr("to", onnxType(precision))));
        gp.addNode(node("Where", List.of(valid, labels, longConst(new long[] {0})), safe));
        gp.addNode(node("Unsqueeze", List.of(safe, longConst(new long[] {1})), safe2d));
        gp.addNode(node("ReduceSum", List.of(validF, longConst(new long[] {0})), count, intAttr("keepdims", 0)));
        return new LossParts(safe2d, validF, count);
    }

    /** mean over labelled rows of -log softmax(logits)[label]; 0/0 (NaN) when no row is labelled. */
    private void crossEntropy(Op.CrossEntropy ce, String out) {
        LossParts p = lossParts(name(ce.labels()), ce.ignoreIndex());
        String lsm = tmp(), picked = tmp(), picked1 = tmp(), masked = tmp(), total = tmp(), mean = tmp();
        gp.addNode(node("LogSoftmax", List.of(name(ce.logits())), lsm, intAttr("axis", 1)));
        gp.addNode(node("GatherElements", List.of(lsm, p.safeLabels2d()), picked, intAttr("axis", 1)));
        gp.addNode(node("Reshape", List.of(picked, longConst(new long[] {-1})), picked1));
        gp.addNode(node("Mul", List.of(picked1, p.validFloat()), masked));
        gp.addNode(node("ReduceSum", List.of(masked, longConst(new long[] {0})), total, intAttr("keepdims", 0)));
        gp.addNode(node("Div", List.of(total, p.count()), mean));
        gp.addNode(node("Neg", List.of(mean), out));
    }

    /** (softmax(logits) - onehot(label)) * valid / count * upstream. */
    private void crossEntropyGrad(Op.CrossEntropyGrad ce, String out) {
        LossParts p = lossParts(name(ce.labels()), ce.ignoreIndex());
        String logits = name(ce.logits());
        String sm = tmp(), onesCol = tmp(), oneHot = tmp(), diff = tmp(), w = tmp(), w2 = tmp(), w3 = tmp();
        gp.addNode(node("Softmax", List.of(logits), sm, intAttr("axis", 1)));
        gp.addNode(node("Expand", List.of(floatConst(1.0), shapeOf(p.safeLabels2d())), onesCol));
        gp.addNode(node("ScatterElements", List.of(zerosLike(logits), p.safeLabels2d(), onesCol), oneHot, intAttr("axis", 1)));
        gp.addNode(node("Sub", List.of(sm, oneHot), diff));
        // a batch with no labelled row gets zero gradient, not 0/0 (the loss itself is NaN and stops training)
        String safeCount = tmp();
        gp.addNode(node("Max", List.of(p.count(), floatConst(1.0)), safeCount));
        gp.addNode(node("Div", List.of(p.validFloat(), safeCount), w));
        gp.addNode(node("Mul", List.of(w, name(ce.upstream())), w2));
        gp.addNode(node("Unsqueeze", List.of(w2, longConst(new long[] {1})), w3));
        gp.addNode(node("Mul", List.of(diff, w3), out));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A value's tensor name: its input, weight or output name where it has one (so no Identity
     * node copies it: ONNX Runtime runs those too, about 100 per decode step), else "v" + id.
     */
    private String name(Value v) {
        String alias = names.get(v.id());
        return alias != null ? alias : "v" + v.id();
    }

    /** Names the compiler makes up itself ("v12", "t3"): a graph name like that keeps its Identity node. */
    private static boolean internalLooking(String name) {
        return name.matches("[vt][0-9]+");
    }

    /** Activations quantized per row: uint8 codes, the float scale of each row [.., 1], and the zero point 128. */
    private record RowQuantized(String codes, String scales, String zeroPoint) {}

    private final Map<String, RowQuantized> rowQuantized = new HashMap<>();

    /**
     * x [.., K] as uint8 codes with one symmetric scale per row (max |x| / 127): a prompt's rows
     * differ in size by orders of magnitude, so one scale per tensor (DynamicQuantizeMatMul's)
     * would leave the small ones few levels. Blocked QuantizeLinear with a block of all K does
     * the rounding in one kernel; all-zero rows get a tiny scale instead of a division by zero.
     */
    private RowQuantized rowQuantize(Value input, long k) {
        String x = name(input), abs = tmp(), max = tmp(), scale = tmp(), guarded = tmp(), codes = tmp();
        gp.addNode(node("Abs", List.of(x), abs));
        gp.addNode(node("ReduceMax", List.of(abs, longConst(new long[] {-1})), max, intAttr("keepdims", 1)));
        gp.addNode(node("Mul", List.of(max, floatConst(1.0 / WeightQuantizer.PER_CHANNEL_MAX)), scale));
        gp.addNode(node("Max", List.of(scale, floatConst(1e-30)), guarded));
        // blocked QuantizeLinear wants a zero point per block (row): made once for all inputs with the same rows
        List<Dim> dims = input.shape().dims();
        String[] zero = rowZeroPoints.computeIfAbsent(dims.subList(0, dims.size() - 1).toString(), key -> {
            String one = tmp(), rows = tmp(), perRow = tmp();
            gp.addNode(node("Constant", List.of(), one, AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                    .setT(uint8Scalar(WeightQuantizer.PER_CHANNEL_ZERO)).build()));
            gp.addNode(node("Shape", List.of(guarded), rows));
            gp.addNode(node("Expand", List.of(one, rows), perRow));
            return new String[] {one, perRow};
        });
        gp.addNode(node("QuantizeLinear", List.of(x, guarded, zero[1]), codes, intAttr("axis", -1), intAttr("block_size", k)));
        return new RowQuantized(codes, guarded, zero[0]);
    }

    /** By the symbolic row dimensions of quantized inputs: the scalar zero point 128 and its copy per row. */
    private final Map<String, String[]> rowZeroPoints = new HashMap<>();

    private static TensorProto uint8Scalar(int value) {
        return TensorProto.newBuilder().setDataType(TensorProto.DataType.UINT8_VALUE)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) value})).build();
    }

    private String tmp() {
        return "t" + (counter++);
    }

    private String shapeOf(String x) {
        String s = tmp();
        gp.addNode(node("Shape", List.of(x), s));
        return s;
    }

    /** The size of one axis of x at run time, as a 1-element int64 tensor. */
    private String dimOf(String x, int axis) {
        String d = tmp();
        gp.addNode(node("Gather", List.of(shapeOf(x), longConst(new long[] {axis})), d, intAttr("axis", 0)));
        return d;
    }

    private String zerosLike(String x) {
        String z = tmp();
        TensorProto zero = tensorProto("", convert(Tensor.scalar(0f)), new long[] {1});
        gp.addNode(node("ConstantOfShape", List.of(shapeOf(x)), z,
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(zero).build()));
        return z;
    }

    private String floatConst(double value) {
        String n = tmp();
        Tensor t = precision == DType.F64 ? Tensor.ofDoubles(new double[] {value}) : Tensor.ofFloats(new float[] {(float) value});
        gp.addNode(constantNode(n, t));
        return n;
    }

    private String longConst(long[] values) {
        String n = tmp();
        gp.addNode(constantNode(n, Tensor.ofLongs(values, values.length)));
        return n;
    }

    /** Float constants follow the compile precision. */
    private Tensor convert(Tensor t) {
        return t.dtype().isFloating() ? t.toFloating(precision) : t;
    }

    /**
     * 0 computed from {@code x}'s run-time shape: an operand that no optimizer folds to a constant
     * and that ties the node reading it to {@code x}, so it runs only once x exists.
     */
    private String zeroAfter(Value x) {
        String n = tmp(), f = tmp(), z = tmp();
        gp.addNode(node("Gather", List.of(shapeOf(name(x)), longConst(new long[] {0})), n, intAttr("axis", 0)));
        gp.addNode(node("Cast", List.of(n), f, intAttr("to", onnxType(DType.F32))));
        gp.addNode(node("Mul", List.of(f, floatConst(0.0)), z));
        return z;
    }

    private boolean isDequantized(Value weight) {
        return graph.op(weight) instanceof Op.Weight w && kernels.dequantized.contains(w.qualifiedName());
    }

    /**
     * a @ W with W [N, K] a frozen linear weight held only as int8 codes (a training graph's
     * dx = dy W). Per channel the codes are W^T [K, N]: a product with B transposed.
     */
    private void dequantizedMatMul(Op.MatMul m, String out) {
        String w = dequantized(m.b(), m.a());
        if (quantization.perChannel()) {
            gp.addNode(node("FusedMatMul", List.of(name(m.a()), w), out, intAttr("transB", 1)).toBuilder().setDomain("com.microsoft"));
        } else {
            gp.addNode(node("MatMul", List.of(name(m.a()), w), out));
        }
    }

    /**
     * The float weight made from its int8 codes by DequantizeLinear right where {@code reader}'s
     * product needs it: a transient ONNX Runtime frees after the product, never a bound float
     * copy. Its scales go through an addition of a zero made from {@code reader}'s run-time shape,
     * so no optimizer folds the dequantization into a float initializer and the node cannot run
     * (and hold its output) before {@code reader} exists. Per block: [N, K] from the codes
     * [N, blocks, block] taken as rows of one block, one scale and zero point 128 each; per
     * channel: W^T [K, N], one scale per column.
     */
    private String dequantized(Value weight, Value reader) {
        String q = ((Op.Weight) graph.op(weight)).qualifiedName();
        String codes = CompiledGraph.Quantization.codes(q), scales = tmp();
        gp.addNode(node("Add", List.of(CompiledGraph.Quantization.scales(q), zeroAfter(reader)), scales));
        long[] s = weight.shape().sizes();
        String w = tmp() + "_dq";
        if (quantization.perChannel()) {
            String zeros = tmp();
            gp.addNode(node("ConstantOfShape", List.of(longConst(new long[] {s[0]})), zeros, AttributeProto.newBuilder().setName("value")
                    .setType(AttributeProto.AttributeType.TENSOR).setT(uint8Scalar(WeightQuantizer.PER_CHANNEL_ZERO).toBuilder().addDims(1)).build()));
            gp.addNode(node("DequantizeLinear", List.of(codes, scales, zeros), w, intAttr("axis", 1)));
            return w;
        }
        int block = quantization.blockFor(s[1]);
        long rows = s[0] * (s[1] / block);
        String flat = tmp(), zero = tmp(), rowsOut = tmp();
        gp.addNode(node("Reshape", List.of(codes, longConst(new long[] {rows, block})), flat));
        TensorProto z = TensorProto.newBuilder().setDataType(TensorProto.DataType.UINT8_VALUE).addDims(1)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 128})).build();
        gp.addNode(node("ConstantOfShape", List.of(longConst(new long[] {rows})), zero,
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(z).build()));
        gp.addNode(node("DequantizeLinear", List.of(flat, scales, zero), rowsOut, intAttr("axis", 0)));
        gp.addNode(node("Reshape", List.of(rowsOut, longConst(s)), w));
        return w;
    }

    private String qualifiedName(Value weight) {
        return ((Op.Weight) graph.op(weight)).qualifiedName();
    }

    /**
     * Embedding rows of a table held only as codes: the codes and scales of the rows asked for,
     * dequantized as (code - zero point) * scale, so only ids x K floats are made and no float
     * table is bound. In blocks the codes are [N, blocks, bytes per block] (4-bit: two to a byte,
     * low nibble first) and row i's scales are i * blocks .. i * blocks + blocks - 1 of a flat
     * [N * blocks] (indexed rather than reshaped: a reshaped initializer would be folded into a
     * copy); per channel the codes are the transposed table [K, N] and the scales [N].
     */
    private void gatheredRows(Op.Gather ga, String out) {
        String q = qualifiedName(ga.table()), ids = name(ga.indices());
        String codes = CompiledGraph.Quantization.codes(q), scales = CompiledGraph.Quantization.scales(q);
        long k = ga.table().shape().sizes()[1];
        int r = ga.indices().rank();
        if (quantization.perChannel()) {
            String columns = tmp(), rows = tmp(), rowScales = tmp(), scale = tmp();
            gp.addNode(node("Gather", List.of(codes, ids), columns, intAttr("axis", 1)));   // [K, ..ids]
            int[] perm = new int[r + 1];
            for (int i = 0; i < r; i++) perm[i] = i + 1;
            gp.addNode(node("Transpose", List.of(columns), rows, ints("perm", perm)));      // [..ids, K]
            gp.addNode(node("Gather", List.of(scales, ids), rowScales, intAttr("axis", 0)));
            gp.addNode(node("Unsqueeze", List.of(rowScales, longConst(new long[] {-1})), scale));
            dequantizeCodes(rows, WeightQuantizer.PER_CHANNEL_ZERO, scale, out);
            return;
        }
        int block = quantization.blockFor(k), bits = quantization.bits();
        long blocks = k / block;
        String picked = tmp();
        gp.addNode(node("Gather", List.of(codes, ids), picked, intAttr("axis", 0)));       // [..ids, blocks, bytes]
        if (bits == 4) picked = unpackNibbles(picked, r);                                  // [..ids, blocks, block]
        // the scales of row i are at i * blocks + b
        String first = tmp(), at = tmp(), atRow = tmp(), rowScales = tmp(), scale = tmp(), values = tmp();
        gp.addNode(node("Unsqueeze", List.of(ids, longConst(new long[] {-1})), first));
        gp.addNode(node("Mul", List.of(first, longConst(new long[] {blocks})), at));
        long[] offsets = new long[(int) blocks];
        for (int b = 0; b < blocks; b++) offsets[b] = b;
        gp.addNode(node("Add", List.of(at, longConst(offsets)), atRow));
        gp.addNode(node("Gather", List.of(scales, atRow), rowScales, intAttr("axis", 0)));    // [..ids, blocks]
        gp.addNode(node("Unsqueeze", List.of(rowScales, longConst(new long[] {-1})), scale));
        dequantizeCodes(picked, 1 << (bits - 1), scale, values);
        long[] dims = new long[r + 1];   // 0: the ids' own dimensions, then K
        dims[r] = k;
        gp.addNode(node("Reshape", List.of(values, longConst(dims)), out));
    }

    /** uint8 bytes [..ids, blocks, bytes] holding two 4-bit codes each (low nibble first) as one code a byte [..ids, blocks, block]. */
    private String unpackNibbles(String packed, int idsRank) {
        String low = tmp(), high = tmp(), low1 = tmp(), high1 = tmp(), pairs = tmp(), codes = tmp();
        gp.addNode(node("BitwiseAnd", List.of(packed, uint8Const(0xf)), low));
        gp.addNode(node("BitShift", List.of(packed, uint8Const(4)), high, strAttr("direction", "RIGHT")));
        gp.addNode(node("Unsqueeze", List.of(low, longConst(new long[] {-1})), low1));
        gp.addNode(node("Unsqueeze", List.of(high, longConst(new long[] {-1})), high1));
        gp.addNode(node("Concat", List.of(low1, high1), pairs, intAttr("axis", -1)));      // [..ids, blocks, bytes, 2]
        long[] dims = new long[idsRank + 2];   // 0: kept as they are (the ids' dimensions and blocks)
        dims[idsRank + 1] = -1;
        gp.addNode(node("Reshape", List.of(pairs, longConst(dims)), codes));
        return codes;
    }

    /** (codes - zero) * scale for uint8 codes, the scale broadcast over the last axis. */
    private void dequantizeCodes(String codes, int zero, String scale, String out) {
        String f = tmp(), centered = tmp();
        gp.addNode(node("Cast", List.of(codes), f, intAttr("to", onnxType(DType.F32))));
        gp.addNode(node("Sub", List.of(f, floatConst(zero)), centered));
        gp.addNode(node("Mul", List.of(centered, scale), out));
    }

    private String uint8Const(int value) {
        String n = tmp();
        gp.addNode(node("Constant", List.of(), n, AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(uint8Scalar(value)).build()));
        return n;
    }

    private boolean isQuantized(Value weight) {
        return graph.op(weight) instanceof Op.Weight w && kernels.quantized.contains(w.qualifiedName());
    }

    private TensorProto externalInitializer(String name, Value v) {
        return OnnxProtos.externalInitializer(name, typeOf(v), v.shape().sizes());
    }

    private DType typeOf(Value v) {
        return v.dtype().isFloating() ? precision : v.dtype();
    }

    private OnnxMl.ValueInfoProto valueInfo(String name, Value v, boolean withDims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Dim d : v.shape().dims()) {
            OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (withDims) {
                switch (d) {
                    case Dim.Fixed f -> db.setDimValue(f.size());
                    case Dim.Symbol s -> db.setDimParam(s.name());
                }
            }
            shape.addDim(db);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(onnxType(typeOf(v))).setShape(shape)))
                .build();
    }

    private int onnxTypeOfCast(DType t) {
        return onnxType(t.isFloating() ? precision : t);
    }
}
