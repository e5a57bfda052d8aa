package dev.iris.api.tensor;

/** Element types Iris moves between Java, checkpoints and ONNX Runtime. */
public enum DType {
    F32(4, true), F64(8, true), F16(2, true), BF16(2, true),
    I64(8, false), I32(4, false), U8(1, false), BOOL(1, false),
    /** Signed bytes: int8 weight codes (per-channel quantized linear layers). */
    I8(1, false);

    private final int bytes;
    private final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return floating;
    }
}
