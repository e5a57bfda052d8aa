package dev.iris.runtime.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Builders for the ONNX protobuf messages the compiler writes: nodes, attributes, tensors, element types. */
final class OnnxProtos {
    private OnnxProtos() {}

    static NodeProto constantNode(String out, Tensor t) {
        return node("Constant", List.of(), out, AttributeProto.newBuilder().setName("value")
                .setType(AttributeProto.AttributeType.TENSOR).setT(tensorProto("", t, t.shape())).build());
    }

    static TensorProto tensorProto(String name, Tensor t, long[] shape) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(onnxType(t.dtype()));
        for (long d : shape) b.addDims(d);
        ByteBuffer data = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return b.setRawData(ByteString.copyFrom(data)).build();
    }

    static TensorProto externalInitializer(String name, DType dtype, long[] shape) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(onnxType(dtype))
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                // never read: the session receives the data through addExternalInitializers
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("bound-by-iris"));
        for (long d : shape) b.addDims(d);
        return b.build();
    }

    static int onnxType(DType t) {
        return switch (t) {
            case F32 -> TensorProto.DataType.FLOAT_VALUE;
            case F64 -> TensorProto.DataType.DOUBLE_VALUE;
            case F16 -> TensorProto.DataType.FLOAT16_VALUE;
            case BF16 -> TensorProto.DataType.BFLOAT16_VALUE;
            case I64 -> TensorProto.DataType.INT64_VALUE;
            case I32 -> TensorProto.DataType.INT32_VALUE;
            case U8 -> TensorProto.DataType.UINT8_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
            case I8 -> TensorProto.DataType.INT8_VALUE;
        };
    }

    static NodeProto node(String opType, List<String> inputs, String output, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType).setName(output + "_" + opType).addOutput(output);
        inputs.forEach(b::addInput);
        for (AttributeProto a : attrs) b.addAttribute(a);
        return b.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto floatAttr(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
    }

    static AttributeProto strAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }

    static AttributeProto ints(String name, int... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int i : v) b.addInts(i);
        return b.build();
    }

    static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
