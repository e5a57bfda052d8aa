package dev.iris.runtime.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
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
import java.nio.file.Path;
import java.util.HashMap;
import ai.onnxruntime.OnnxTensorLike;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final OrtSession session;   // null only while the constructor fails
    private final List<OnnxTensor> bound = new ArrayList<>();

    /** What the session was given to read, for accounting: in-memory initializers' sizes and file ranges. */
    private final Map<String, Long> memoryBytes = new LinkedHashMap<>();
    private final Map<String, FileWeight> fileWeights = new LinkedHashMap<>();

    /** {@code frozen}: every frozen weight as a float tensor; quantized ones are quantized here. */
    GraphSession(OrtRuntime runtime, CompiledGraph graph, Map<String, Tensor> frozen) {
        this(runtime, graph, initializersOf(graph, frozen), Map.of());
    }

    /**
     * Every initializer the compiled graph declares (see {@link #initializerNames}), in its stored
     * form: {@code inMemory} ones are copied by ONNX Runtime (the host's buffers are let go once
     * the session exists); {@code inFiles} ones are read by ONNX Runtime from their file as
     * external data, memory-mapped in place (or pre-packed, after which it drops the mapping), so
     * nothing is copied through Java and each byte is held once. The files must not change while
     * the session lives.
     */
    GraphSession(OrtRuntime runtime, CompiledGraph graph, Map<String, Tensor> inMemory, Map<String, FileWeight> inFiles) {
        this.runtime = runtime;
        this.graph = graph;
        for (String name : initializerNames(graph)) {
            if (!inMemory.containsKey(name) && !inFiles.containsKey(name)) throw new IrisException("weight " + name + " was not bound");
        }
        OrtSession created;
        try (OrtSession.SessionOptions opts = runtime.sessionOptions(graph)) {
            Map<String, OnnxTensorLike> initializers = new HashMap<>();
            for (Map.Entry<String, Tensor> e : inMemory.entrySet()) {
                OnnxTensor ot = toOrt(e.getValue());
                bound.add(ot);
                initializers.put(e.getKey(), ot);
                memoryBytes.put(e.getKey(), (long) e.getValue().data().remaining());
            }
            if (!initializers.isEmpty()) opts.addExternalInitializers(initializers);
            byte[] model = graph.model();
            if (!inFiles.isEmpty()) {
                fileWeights.putAll(inFiles);
                Path root = commonFolder(inFiles.values());
                // locations are relative to this folder: ONNX Runtime refuses absolute ones
                opts.addConfigEntry("session.model_external_initializers_file_folder_path", root.toString());
                model = withExternalData(model, inFiles, root);
            }
            created = runtime.env().createSession(model, opts);
            // ONNX Runtime copied the in-memory initializers: the host's buffers can go now
            closeBound();
        } catch (OrtException e) {
            closeBound();
            throw new IrisException("ONNX Runtime could not load the compiled graph: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeBound();
            throw e;
        }
        this.session = created;
    }

    /**
     * {@code model} with the named initializers' external data pointing at their files (location
     * relative to {@code root}, offset, length), for ONNX Runtime to map; others are left as declared.
     */
    static byte[] withExternalData(byte[] model, Map<String, FileWeight> files, Path root) {
        try {
            OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.parseFrom(model).toBuilder();
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                FileWeight f = files.get(g.getInitializer(i).getName());
                if (f == null) continue;
                OnnxMl.TensorProto.Builder t = g.getInitializerBuilder(i);
                long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
                if (t.getDataType() != OnnxProtos.onnxType(f.dtype()) || !Arrays.equals(dims, f.shape())) {
                    throw new IrisException("weight " + t.getName() + " is declared with shape " + Arrays.toString(dims) + " but " + f.file()
                            + " holds " + f.dtype() + Arrays.toString(f.shape()));
                }
                t.clearExternalData()
                        .addExternalData(entry("location", root.relativize(f.file()).toString().replace('\\', '/')))
                        .addExternalData(entry("offset", Long.toString(f.offset())))
                        .addExternalData(entry("length", Long.toString(f.length())));
            }
            return m.build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a compiled model could not be read back: " + e.getMessage(), e);
        }
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static Path commonFolder(Collection<FileWeight> files) {
        Path root = null;
        for (FileWeight f : files) {
            Path dir = f.file().toAbsolutePath().normalize().getParent();
            if (root == null) {
                root = dir;
            } else {
                while (!dir.startsWith(root)) root = root.getParent();
            }
        }
        return root;
    }

    /** The stored form of each frozen weight: as given, or quantized codes and scales (plus the float where also read as one). */
    static Map<String, Tensor> initializersOf(CompiledGraph graph, Map<String, Tensor> frozen) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : graph.frozen().entrySet()) out.putAll(initializersOf(graph, frozen, e.getKey(), e.getValue()));
        return out;
    }

    private static Map<String, Tensor> initializersOf(CompiledGraph graph, Map<String, Tensor> frozen, String name, Value value) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor t = frozen.get(name);
        if (t == null) throw new IrisException("weight " + name + " was not bound");
        check(graph, name, "weight", value, t.dtype(), t.shape());
        if (graph.quantized().contains(name)) {
            CompiledGraph.Quantization qz = graph.quantization();
            WeightQuantizer.Quantized q = WeightQuantizer.quantize(t, qz.bits(), qz.blockFor(t.shape()[1]));
            out.put(CompiledGraph.Quantization.codes(name), q.codes());
            out.put(CompiledGraph.Quantization.scales(name), q.scales());
            if (graph.floatToo().contains(name)) out.put(name, t);
        } else {
            out.put(name, t);
        }
        return out;
    }

    /** The stored forms of some frozen weights given as floats (see {@link #initializerNames}). */
    public static Map<String, Tensor> storedForms(CompiledGraph graph, Map<String, Tensor> floats) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : floats.entrySet()) {
            Value v = graph.frozen().get(e.getKey());
            if (v == null) throw new IrisException("the compiled graph has no frozen weight " + e.getKey());
            out.putAll(initializersOf(graph, Map.of(e.getKey(), e.getValue()), e.getKey(), v));
        }
        return out;
    }

    /** The initializer names a compiled graph declares: its frozen weights, quantized ones as codes and scales. */
    public static List<String> initializerNames(CompiledGraph graph) {
        List<String> out = new ArrayList<>();
        for (String w : graph.frozen().keySet()) {
            if (graph.quantized().contains(w)) {
                out.add(CompiledGraph.Quantization.codes(w));
                out.add(CompiledGraph.Quantization.scales(w));
                if (graph.floatToo().contains(w)) out.add(w);
            } else {
                out.add(w);
            }
        }
        return out;
    }

    /** Sizes of the initializers ONNX Runtime copied from the host's memory, by name. */
    public Map<String, Long> memoryInitializerBytes() {
        return java.util.Collections.unmodifiableMap(memoryBytes);
    }

    /** The initializers ONNX Runtime reads from files (the weight cache), by name. */
    public Map<String, FileWeight> fileInitializers() {
        return java.util.Collections.unmodifiableMap(fileWeights);
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

    private void check(String name, String what, Value expected, DType dtype, long[] shape) {
        check(graph, name, what, expected, dtype, shape);
    }

    private static void check(CompiledGraph graph, String name, String what, Value expected, DType dtype, long[] shape) {
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

    private volatile boolean closed;

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
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
