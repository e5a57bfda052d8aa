package dev.iris.api.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * A dense host tensor: element type, shape and a little-endian byte buffer (direct where it
 * matters, so ONNX Runtime can use the memory without a copy through Java heap arrays).
 * The buffer may be a view into a memory-mapped checkpoint; treat it as read-only unless you
 * created it.
 */
public record Tensor(DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        shape = shape.clone();
        long n = numel(shape);
        if ((long) data.remaining() != n * dtype.bytes()) {
            throw new IllegalArgumentException("tensor of " + dtype + " " + Arrays.toString(shape)
                    + " needs " + n * dtype.bytes() + " bytes, buffer has " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A zero-filled tensor in a fresh direct buffer. */
    public static Tensor zeros(DType dtype, long... shape) {
        return new Tensor(dtype, shape, allocate(numel(shape) * dtype.bytes()));
    }

    public static ByteBuffer allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large for one buffer: " + bytes + " bytes");
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Tensors of one type and shape {@code S}, as one {@code [n, ...S]} tensor (a new leading
     * axis), e.g. the image features of a batch's rows.
     */
    public static Tensor stack(List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to stack");
        List<Tensor> rows = new ArrayList<>(parts.size());
        for (Tensor t : parts) {
            long[] one = new long[t.rank() + 1];
            one[0] = 1;
            System.arraycopy(t.shape, 0, one, 1, t.rank());
            rows.add(new Tensor(t.dtype, one, t.data));
        }
        return concat(rows);
    }

    /**
     * Tensors of one type that agree on every axis but the first, joined along it:
     * {@code [a, ...S]} and {@code [b, ...S]} give {@code [a + b, ...S]}.
     */
    public static Tensor concat(List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to concatenate");
        Tensor first = parts.get(0);
        if (first.rank() == 0) throw new IllegalArgumentException("cannot concatenate scalars");
        long rows = 0, bytes = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            boolean sameRest = t.rank() == first.rank()
                    && Arrays.equals(t.shape, 1, t.rank(), first.shape, 1, first.rank());
            if (t.dtype != first.dtype || !sameRest) {
                throw new IllegalArgumentException("tensor " + i + " is " + t.dtype + " " + Arrays.toString(t.shape)
                        + " but tensor 0 is " + first.dtype + " " + Arrays.toString(first.shape) + ": they cannot be joined");
            }
            rows += t.shape[0];
            bytes += t.data.remaining();
        }
        ByteBuffer out = allocate(bytes);
        for (Tensor t : parts) out.put(t.data.duplicate());
        out.flip();
        long[] shape = first.shape();
        shape[0] = rows;
        return new Tensor(first.dtype, shape, out);
    }

    public static Tensor ofFloats(float[] values, long... shape) {
        ByteBuffer b = allocate((long) values.length * 4);
        b.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, b);
    }

    public static Tensor ofDoubles(double[] values, long... shape) {
        ByteBuffer b = allocate((long) values.length * 8);
        b.asDoubleBuffer().put(values);
        return new Tensor(DType.F64, shape, b);
    }

    public static Tensor ofLongs(long[] values, long... shape) {
        ByteBuffer b = allocate((long) values.length * 8);
        b.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, b);
    }

    public static Tensor ofInts(int[] values, long... shape) {
        ByteBuffer b = allocate((long) values.length * 4);
        b.asIntBuffer().put(values);
        return new Tensor(DType.I32, shape, b);
    }

    public static Tensor scalar(float v) {
        return ofFloats(new float[] {v});
    }

    /** Reads a float element; F16 and BF16 are widened, F64 narrowed. */
    public float getFloat(long index) {
        int i = Math.toIntExact(index);
        return switch (dtype) {
            case F32 -> data.getFloat(i * 4);
            case F64 -> (float) data.getDouble(i * 8);
            case BF16 -> Float.intBitsToFloat((data.getShort(i * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.getShort(i * 2));
            case I64 -> data.getLong(i * 8);
            case I32 -> data.getInt(i * 4);
            case U8, BOOL -> data.get(i) & 0xff;
            case I8 -> data.get(i);
        };
    }

    public double getDouble(long index) {
        return dtype == DType.F64 ? data.getDouble(Math.toIntExact(index) * 8) : getFloat(index);
    }

    public long getLong(long index) {
        int i = Math.toIntExact(index);
        return switch (dtype) {
            case I64 -> data.getLong(i * 8);
            case I32 -> data.getInt(i * 4);
            case U8, BOOL -> data.get(i) & 0xff;
            case I8 -> data.get(i);
            default -> (long) getDouble(index);
        };
    }

    /** All elements widened to float (copies). */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < n; i++) out[i] = getFloat(i);
        }
        return out;
    }

    public double[] toDoubles() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = getDouble(i);
        return out;
    }

    public long[] toLongs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = getLong(i);
        return out;
    }

    /** This tensor converted to {@code target} (a float type), in a fresh direct buffer. */
    public Tensor toFloating(DType target) {
        if (target == dtype) return this;
        int n = Math.toIntExact(numel());
        ByteBuffer out = allocate((long) n * target.bytes());
        if (dtype == DType.BF16 && target == DType.F32) {
            // the hot path when loading published checkpoints: bf16 is the upper half of a float32
            ShortBuffer src = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
            IntBuffer dst = out.asIntBuffer();
            for (int i = 0; i < n; i++) dst.put(i, (src.get(i) & 0xffff) << 16);
            return new Tensor(target, shape, out);
        }
        for (int i = 0; i < n; i++) {
            switch (target) {
                case F32 -> out.putFloat(i * 4, getFloat(i));
                case F64 -> out.putDouble(i * 8, getDouble(i));
                case BF16 -> out.putShort(i * 2, Bf16.fromFloat(getFloat(i)));
                case F16 -> out.putShort(i * 2, Float.floatToFloat16(getFloat(i)));
                default -> throw new IllegalArgumentException("not a float type: " + target);
            }
        }
        return new Tensor(target, shape, out);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
