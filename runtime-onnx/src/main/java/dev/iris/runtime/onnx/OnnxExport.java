package dev.iris.runtime.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.iris.api.IrisException;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes compiled inference graphs as standalone ONNX files for any ONNX Runtime: each frozen
 * weight becomes standard ONNX external data (location, offset, length on the initializer) in
 * one data file beside the models, which every graph of the export shares, so a weight read by
 * two graphs is stored once. Float weights only: a quantized graph's codes are Iris's layout.
 */
public final class OnnxExport implements AutoCloseable {
    /** Large tensors start on a page boundary, so ONNX Runtime can memory-map them in place. */
    static final int PAGE = 4096, SMALL_ALIGN = 64;

    /**
     * One input or output of an exported graph: its element type and dimensions, each a number, a
     * symbolic name, or null where the file leaves it open (known when the graph runs).
     */
    public record Port(String name, String dtype, List<Object> dims) {}

    /** The inputs a caller feeds and the outputs a graph returns, in declaration order. */
    public record Signature(List<Port> inputs, List<Port> outputs) {}

    private final Path folder;
    private final String dataFile;
    private final FileChannel data;
    private final Map<String, long[]> written = new LinkedHashMap<>();   // initializer name -> {offset, length}

    /** @param dataFile the shared weights file's name, inside {@code folder} */
    public OnnxExport(Path folder, String dataFile) {
        this.folder = folder;
        this.dataFile = dataFile;
        try {
            Files.createDirectories(folder);
            this.data = FileChannel.open(folder.resolve(dataFile), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IrisException("cannot create " + folder.resolve(dataFile) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code graph} as {@code folder/fileName}, its weights (asked of {@code weight} by
     * initializer name, each once per export) appended to the data file.
     */
    public Signature write(CompiledGraph graph, Function<String, Tensor> weight, String fileName) {
        if (!graph.quantized().isEmpty() || !graph.trainable().isEmpty()) {
            throw new IllegalArgumentException("only float inference graphs are exported (" + fileName + " has quantized or trainable weights)");
        }
        try {
            OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.parseFrom(graph.model()).toBuilder();
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto.Builder t = g.getInitializerBuilder(i);
                if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) continue;   // constants stay inside the model
                String name = t.getName();
                Value v = graph.frozen().get(name);
                if (v == null) throw new IllegalStateException("initializer " + name + " of " + fileName + " is no frozen weight");
                long[] at = written.get(name);
                Tensor w = weight.apply(name);   // asked even when stored: initialisers draw their values in graph order
                if (at == null) {
                    long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
                    if (w.dtype() != DType.F32 || !Arrays.equals(w.shape(), dims)) {
                        throw new IrisException("weight " + name + " is declared float32 " + Arrays.toString(dims) + " but was bound as "
                                + w.dtype() + Arrays.toString(w.shape()));
                    }
                    at = append(w);
                    written.put(name, at);
                }
                t.clearExternalData()
                        .addExternalData(entry("location", dataFile))
                        .addExternalData(entry("offset", Long.toString(at[0])))
                        .addExternalData(entry("length", Long.toString(at[1])));
            }
            m.setProducerName("iris export");
            OnnxMl.ModelProto model = m.build();
            Files.write(folder.resolve(fileName), model.toByteArray());
            return signature(model.getGraph());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a compiled model could not be read back: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IrisException("cannot write " + folder.resolve(fileName) + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of weights written so far. */
    public long dataBytes() {
        try {
            return data.size();
        } catch (IOException e) {
            throw new IrisException("cannot read the size of " + folder.resolve(dataFile) + ": " + e.getMessage(), e);
        }
    }

    /** Weights written so far. */
    public int weights() {
        return written.size();
    }

    private long[] append(Tensor w) throws IOException {
        ByteBuffer bytes = w.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long length = bytes.remaining();
        long align = length >= PAGE ? PAGE : SMALL_ALIGN;
        long offset = (data.size() + align - 1) / align * align;
        long at = offset;
        while (bytes.hasRemaining()) at += data.write(bytes, at);
        return new long[] {offset, length};
    }

    private static Signature signature(OnnxMl.GraphProto g) {
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) initializers.add(t.getName());
        List<Port> in = new ArrayList<>(), out = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) if (!initializers.contains(v.getName())) in.add(port(v));
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) out.add(port(v));
        return new Signature(List.copyOf(in), List.copyOf(out));
    }

    private static Port port(OnnxMl.ValueInfoProto v) {
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        List<Object> dims = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
            dims.add(d.hasDimValue() ? (Object) d.getDimValue() : d.hasDimParam() ? d.getDimParam() : null);
        }
        return new Port(v.getName(), typeName(t.getElemType()), java.util.Collections.unmodifiableList(dims));
    }

    /** numpy's names for ONNX element types, as onnxruntime's Python API reports them. */
    static String typeName(int onnxType) {
        return switch (TensorProto.DataType.forNumber(onnxType)) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case FLOAT16 -> "float16";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOL -> "bool";
            case null, default -> "onnx type " + onnxType;
        };
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    @Override
    public void close() {
        try {
            data.close();
        } catch (IOException e) {
            throw new IrisException("cannot close " + folder.resolve(dataFile) + ": " + e.getMessage(), e);
        }
    }
}
