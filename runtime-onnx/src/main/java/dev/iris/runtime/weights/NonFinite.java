package dev.iris.runtime.weights;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Finds NaN and infinite values in a tensor's stored bits (F32, F64, BF16, F16; integer types
 * are always finite). A value is non-finite exactly when its exponent bits are all ones, so the
 * scan keeps the largest masked exponent of each chunk, a branch-free max-reduction the JIT
 * turns into vector instructions, and looks for the index only in a chunk that holds one.
 * 16-bit values are scanned two to an int.
 */
public final class NonFinite {
    private static final int CHUNK = 4096;
    private static final int F32_EXP = 0x7F80_0000;
    private static final int BF16_EXP_HIGH = 0x7F80_0000;   // a bf16's exponent, moved to the high half of an int
    private static final int F16_EXP_HIGH = 0x7C00_0000;    // likewise an f16's
    private static final long F64_EXP = 0x7FF0_0000_0000_0000L;

    private NonFinite() {}

    /** Index of the first NaN or infinite element, or -1 when every element is finite. */
    public static long firstIndex(Tensor t) {
        ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long n = t.numel();
        return switch (t.dtype()) {
            case F32 -> scan32(b.asIntBuffer(), F32_EXP, false);
            case BF16 -> scan16(b, n, BF16_EXP_HIGH);
            case F16 -> scan16(b, n, F16_EXP_HIGH);
            case F64 -> scan64(b.asLongBuffer());
            case I64, I32, U8, BOOL, I8 -> -1;
        };
    }

    /** Throws a {@link WeightException} naming the tensor, its origin and the first bad element. */
    public static void check(Tensor t, String tensor, String origin) {
        long i = firstIndex(t);
        if (i < 0) return;
        float v = t.getFloat(i);
        throw new WeightException("weight " + tensor + " in " + origin + " holds a non-finite value: element " + i + " of "
                + t.numel() + " is " + (Float.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity")
                + " (a diverged training run or a damaged file; the model would generate garbage)");
    }

    /**
     * Ints whose masked bits reach {@code mask}. With {@code pairs}, each int holds two 16-bit
     * values (low half first, as stored little-endian) and the result is an element index.
     */
    private static long scan32(IntBuffer src, int mask, boolean pairs) {
        int[] chunk = new int[CHUNK];
        int total = src.remaining();
        for (int start = 0; start < total; start += CHUNK) {
            int len = Math.min(CHUNK, total - start);
            src.get(start, chunk, 0, len);
            int max = 0;
            if (pairs) {
                for (int i = 0; i < len; i++) {
                    int x = chunk[i];
                    max = Math.max(max, Math.max(x & mask, (x << 16) & mask));
                }
            } else {
                for (int i = 0; i < len; i++) max = Math.max(max, chunk[i] & mask);
            }
            if (max == mask) {
                for (int i = 0; i < len; i++) {
                    int x = chunk[i];
                    if (!pairs) {
                        if ((x & mask) == mask) return start + i;
                    } else if (((x << 16) & mask) == mask) {
                        return 2L * (start + i);
                    } else if ((x & mask) == mask) {
                        return 2L * (start + i) + 1;
                    }
                }
            }
        }
        return -1;
    }

    private static long scan16(ByteBuffer b, long n, int maskHigh) {
        long found = scan32(b.slice(0, (int) (n / 2 * 4)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer(), maskHigh, true);
        if (found >= 0 || n % 2 == 0) return found;
        int last = (b.getShort((int) (n - 1) * 2) & 0xFFFF) << 16;   // an odd count leaves one value
        return (last & maskHigh) == maskHigh ? n - 1 : -1;
    }

    private static long scan64(LongBuffer src) {
        long[] chunk = new long[CHUNK];
        int total = src.remaining();
        for (int start = 0; start < total; start += CHUNK) {
            int len = Math.min(CHUNK, total - start);
            src.get(start, chunk, 0, len);
            long max = 0;
            for (int i = 0; i < len; i++) max = Math.max(max, chunk[i] & F64_EXP);
            if (max == F64_EXP) {
                for (int i = 0; i < len; i++) if ((chunk[i] & F64_EXP) == F64_EXP) return start + i;
            }
        }
        return -1;
    }
}
