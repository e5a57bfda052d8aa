package dev.iris.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.iris.api.IrisException;
import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/** A compiled graph loaded into ONNX Runtime, with its frozen weights bound. Thread-safe for runs. */
public final class GraphSession implements AutoCloseable {

    private final OrtRuntime runtime;
    private final CompiledGraph graph;
    private final OrtSession session;
    private final List<OnnxTensor> bound = new ArrayList<>();

    GraphSession(OrtRuntime runtime, CompiledGraph graph, Map<String, Tensor> frozen) {
        this.runtime = runtime;
        this.graph = graph;
        try (OrtSession.SessionOptions opts = runtime.sessionOptions(graph)) {
            Map<String, OnnxTensorLike> initializers = new HashMap<>();
            for (Map.Entry<String, Value> e : graph.frozen().entrySet()) {
                Tensor t = frozen.get(e.getKey());
                if (t == null) throw new IrisException("weight " + e.getKey() + " was not bound");
                check(e.getKey(), "weight", e.getValue(), t);
                if (graph.quantized().contains(e.getKey())) {
                    CompiledGraph.Quantization qz = graph.quantization();
                    WeightQuantizer.Quantized q = WeightQuantizer.quantize(t, qz.bits(), qz.blockFor(t.shape()[1]));
                    bind(initializers, CompiledGraph.Quantization.codes(e.getKey()), q.codes());
                    bind(initializers, CompiledGraph.Quantization.scales(e.getKey()), q.scales());
                    if (graph.floatToo().contains(e.getKey())) bind(initializers, e.getKey(), t);
                } else {
                    bind(initializers, e.getKey(), t);
                }
            }
            if (!initializers.isEmpty()) opts.addExternalInitializers(initializers);
            this.session = runtime.env().createSession(graph.model(), opts);
            // ONNX Runtime copies external initializers into its own memory when the session is
            // created, so the host's buffers (often widened bf16 -> f32 copies) can go now
            closeBound();
        } catch (OrtException e) {
            closeBound();
            throw new IrisException("ONNX Runtime could not load the compiled graph: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeBound();
            throw e;
        }
    }

    private void bind(Map<String, OnnxTensorLike> initializers, String name, Tensor t) throws OrtException {
        OnnxTensor ot = toOrt(t);
        bound.add(ot);
        initializers.put(name, ot);
    }

    public CompiledGraph graph() {
        return graph;
    }

    /** Runs the graph; {@code feeds} must hold every feed of the compiled graph. Returns every output. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        return run(feeds, graph.outputs());
    }

    /** Runs the graph and returns only the named outputs (others are not computed when not needed). */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, List<String> wanted) {
        return run(feeds, Map.of(), wanted, Set.of()).copied();
    }

    /**
     * An output left in ONNX Runtime's memory, to be fed to later runs without a round trip
     * through Java (a decoder's KV cache, step after step). Its owner closes it.
     */
    public static final class Resident implements AutoCloseable {
        private final OnnxTensor value;

        private Resident(OnnxTensor value) {
            this.value = value;
        }

        public long[] shape() {
            return value.getInfo().getShape();
        }

        /** Its contents, copied into a Java tensor. */
        public Tensor copy() {
            return fromOrt("resident value", value);
        }

        @Override
        public void close() {
            value.close();
        }
    }

    /** What a run returned: outputs copied to Java, and those asked to stay in ONNX Runtime. */
    public record Outputs(Map<String, Tensor> copied, Map<String, Resident> resident) {}

    /**
     * Runs the graph with each feed given either as a Java tensor or as a resident value of an
     * earlier run (those stay open: their owner closes them); outputs named in {@code keepResident}
     * come back as resident values, the other {@code wanted} ones as Java tensors.
     */
    public Outputs run(Map<String, Tensor> feeds, Map<String, Resident> residentFeeds, List<String> wanted, Set<String> keepResident) {
        for (String name : concat(feeds.keySet(), residentFeeds.keySet())) {
            if (!graph.feedValues().containsKey(name)) {
                throw new IrisException("graph has no input '" + name + "' (inputs: " + graph.feeds() + ")");
            }
        }
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            for (String name : graph.feeds()) {
                Tensor t = feeds.get(name);
                Resident r = residentFeeds.get(name);
                if (t != null) {
                    check(name, "input", graph.feedValues().get(name), t.dtype(), t.shape());
                    OnnxTensor ot = toOrt(t);
                    owned.add(ot);
                    inputs.put(name, ot);
                } else if (r != null) {
                    check(name, "input", graph.feedValues().get(name), dtypeOf(name, r.value.getInfo()), r.shape());
                    inputs.put(name, r.value);
                } else {
                    throw new IrisException("input '" + name + "' was not given (inputs: " + graph.feeds() + ")");
                }
            }
            OrtSession.Result result = session.run(inputs, new LinkedHashSet<>(wanted));
            Map<String, Tensor> copied = new LinkedHashMap<>();
            Map<String, Resident> resident = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, OnnxValue> e : result) {
                    OnnxTensor value = (OnnxTensor) e.getValue();
                    if (keepResident.contains(e.getKey())) {
                        resident.put(e.getKey(), new Resident(value));
                    } else {
                        copied.put(e.getKey(), fromOrt(e.getKey(), value));
                        value.close();
                    }
                }
            } catch (RuntimeException e) {
                result.close();
                throw e;
            }
            return new Outputs(copied, resident);
        } catch (OrtException e) {
            throw new IrisException("ONNX Runtime failed to run the graph: " + e.getMessage(), e);
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    private static List<String> concat(Collection<String> a, Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void check(String name, String what, Value expected, Tensor t) {
        check(name, what, expected, t.dtype(), t.shape());
    }

    private void check(String name, String what, Value expected, DType dtype, long[] shape) {
        DType want = expected.dtype().isFloating() ? graph.precision() : expected.dtype();
        if (dtype != want) {
            throw new IrisException(what + " '" + name + "' must be " + want + ", got " + dtype);
        }
        List<Dim> dims = expected.shape().dims();
        boolean ok = shape.length == dims.size();
        for (int i = 0; ok && i < shape.length; i++) {
            if (dims.get(i) instanceof Dim.Fixed f && f.size() != shape[i]) ok = false;
        }
        if (!ok) throw new IrisException(what + " '" + name + "' must have shape " + expected.shape() + ", got " + Arrays.toString(shape));
    }

    private OnnxTensor toOrt(Tensor t) throws OrtException {
        ByteBuffer data = t.data();
        if (!data.isDirect()) {
            ByteBuffer copy = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(data.duplicate()).flip();
            data = copy;
        }
        return OnnxTensor.createTensor(runtime.env(), data.order(ByteOrder.nativeOrder()), t.shape(), javaType(t.dtype()));
    }

    private static Tensor fromOrt(String name, OnnxTensor t) {
        // getByteBuffer is already a copy (a heap buffer): used as it is
        return new Tensor(dtypeOf(name, t.getInfo()), t.getInfo().getShape(), t.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static DType dtypeOf(String name, TensorInfo info) {
        return switch (info.type) {
            case FLOAT -> DType.F32;
            case DOUBLE -> DType.F64;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case UINT8 -> DType.U8;
            case INT8 -> DType.I8;
            case BOOL -> DType.BOOL;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            default -> throw new IrisException("'" + name + "' has an unsupported element type " + info.type);
        };
    }

    private static OnnxJavaType javaType(DType t) {
        return switch (t) {
            case F32 -> OnnxJavaType.FLOAT;
            case F64 -> OnnxJavaType.DOUBLE;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case I64 -> OnnxJavaType.INT64;
            case I32 -> OnnxJavaType.INT32;
            case U8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
            case I8 -> OnnxJavaType.INT8;
        };
    }

    private void closeBound() {
        bound.forEach(OnnxTensor::close);
        bound.clear();
    }

    @Override
    public void close() {
        try {
            if (session != null && System.getenv("IRIS_ORT_PROFILE") != null) session.endProfiling();
            if (session != null) session.close();
        } catch (OrtException e) {
            throw new IrisException("closing an ONNX Runtime session failed: " + e.getMessage(), e);
        } finally {
            closeBound();
        }
    }
}
