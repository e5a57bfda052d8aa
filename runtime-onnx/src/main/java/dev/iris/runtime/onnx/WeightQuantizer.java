package dev.iris.runtime.onnx;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Block-wise symmetric weight-only quantization in the layout of ONNX Runtime's
 * {@code com.microsoft:MatMulNBits}: a weight [N, K] becomes, per row and per block of
 * {@code blockSize} values along K, one float scale and {@code bits}-bit codes stored with the
 * default zero point 2^(bits-1) (4-bit codes two to a byte, low nibble first).
 */
public final class WeightQuantizer {
    private WeightQuantizer() {}

    /** Codes [N, K / blockSize, blockSize * bits / 8] (uint8) and scales [N * K / blockSize] (float). */
    public record Quantized(Tensor codes, Tensor scales) {}

    /**
     * {@code blockSize} 0 (8 bits only) is per-channel: one scale per row of the weight (an output
     * channel) over all of K, codes in [1, 255] (value + 128, zero point 128) transposed to [K, N]
     * (U8), scales [N], the layout of the B operand of {@code com.microsoft:MatMulIntegerToFloat}.
     */
    public static Quantized quantize(Tensor weight, int bits, int blockSize) {
        if (blockSize == 0 && bits == 8) return perChannel(weight);
        if (bits != 8 && bits != 4) throw new IllegalArgumentException("bits must be 4 or 8, not " + bits);
        if (weight.dtype() != DType.F32 || weight.rank() != 2) throw new IllegalArgumentException("a 2-D float32 weight is needed: " + weight);
        long[] s = weight.shape();
        int n = Math.toIntExact(s[0]), k = Math.toIntExact(s[1]);
        if (k % blockSize != 0) throw new IllegalArgumentException("K " + k + " is not a multiple of the block size " + blockSize);
        int blocks = k / blockSize, bytesPerBlock = blockSize * bits / 8;
        int zero = 1 << (bits - 1), max = (1 << bits) - 1, levels = zero - 1;
        FloatBuffer w = weight.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer codes = Tensor.allocate((long) n * blocks * bytesPerBlock);
        ByteBuffer scales = Tensor.allocate((long) n * blocks * 4);
        int[] q = new int[blockSize];
        for (int row = 0; row < n; row++) {
            for (int b = 0; b < blocks; b++) {
                int base = row * k + b * blockSize;
                float absMax = 0;
                for (int i = 0; i < blockSize; i++) absMax = Math.max(absMax, Math.abs(w.get(base + i)));
                float scale = absMax == 0 ? 1f : absMax / levels;
                scales.putFloat((row * blocks + b) * 4, scale);
                for (int i = 0; i < blockSize; i++) {
                    q[i] = Math.max(0, Math.min(max, Math.round(w.get(base + i) / scale) + zero));
                }
                int at = (row * blocks + b) * bytesPerBlock;
                if (bits == 8) {
                    for (int i = 0; i < blockSize; i++) codes.put(at + i, (byte) q[i]);
                } else {
                    for (int i = 0; i < blockSize; i += 2) codes.put(at + i / 2, (byte) (q[i] | (q[i + 1] << 4)));
                }
            }
        }
        return new Quantized(new Tensor(DType.U8, new long[] {n, blocks, bytesPerBlock}, codes),
                new Tensor(DType.F32, new long[] {(long) n * blocks}, scales));
    }

    /**
     * Largest per-channel magnitude: full 8 bits. The codes are unsigned (value + 128) because
     * x86 GEMM of uint8 activations by int8 weights without VNNI (vpmaddubsw) adds two products in
     * 16 bits and saturates past 32767 (2 x 255 x 127 does not fit; measured: products off by
     * half), while uint8 x uint8 widens to 16 bits first. On an AVX-512 VNNI / AMX Xeon both ran
     * a 79 x 896 x 4864 product in the same time.
     */
    static final int PER_CHANNEL_MAX = 127;
    static final int PER_CHANNEL_ZERO = 128;

    private static Quantized perChannel(Tensor weight) {
        if (weight.dtype() != DType.F32 || weight.rank() != 2) throw new IllegalArgumentException("a 2-D float32 weight is needed: " + weight);
        long[] s = weight.shape();
        int n = Math.toIntExact(s[0]), k = Math.toIntExact(s[1]);
        FloatBuffer w = weight.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer codes = Tensor.allocate((long) n * k);
        ByteBuffer scales = Tensor.allocate((long) n * 4);
        float[] inv = new float[n];
        for (int row = 0; row < n; row++) {
            float absMax = 0;
            for (int i = 0; i < k; i++) absMax = Math.max(absMax, Math.abs(w.get(row * k + i)));
            float scale = absMax == 0 ? 1f : absMax / PER_CHANNEL_MAX;
            scales.putFloat(row * 4, scale);
            inv[row] = scale;
        }
        // transposed in tiles of 64 rows, so each K index writes 64 adjacent bytes (a whole-column
        // stride per value made the 151936-row LM head take seconds)
        for (int r0 = 0; r0 < n; r0 += 64) {
            int r1 = Math.min(n, r0 + 64);
            for (int i = 0; i < k; i++) {
                for (int row = r0; row < r1; row++) {
                    int v = Math.max(-PER_CHANNEL_MAX, Math.min(PER_CHANNEL_MAX, Math.round(w.get(row * k + i) / inv[row])));
                    codes.put(i * n + row, (byte) (v + PER_CHANNEL_ZERO));
                }
            }
        }
        return new Quantized(new Tensor(DType.U8, new long[] {k, n}, codes), new Tensor(DType.F32, new long[] {n}, scales));
    }

    /** The float weight [n, k] the codes stand for (for tests and error reports); {@code blockSize} 0: per channel. */
    public static float[] dequantize(Quantized qz, int bits, int blockSize, int n, int k) {
        if (blockSize == 0) {
            // int8 codes (layout 1, iris quantize before 2026-12-06) are the values themselves
            int zero = qz.codes().dtype() == DType.I8 ? 0 : PER_CHANNEL_ZERO, mask = zero == 0 ? -1 : 0xff;
            float[] out = new float[n * k];
            for (int row = 0; row < n; row++) {
                float scale = qz.scales().getFloat(row);
                for (int i = 0; i < k; i++) out[row * k + i] = ((qz.codes().data().get(i * n + row) & mask) - zero) * scale;
            }
            return out;
        }
        int blocks = k / blockSize, bytesPerBlock = blockSize * bits / 8, zero = 1 << (bits - 1);
        float[] out = new float[n * k];
        for (int row = 0; row < n; row++) {
            for (int b = 0; b < blocks; b++) {
                float scale = qz.scales().getFloat((long) row * blocks + b);
                int at = (row * blocks + b) * bytesPerBlock;
                for (int i = 0; i < blockSize; i++) {
                    int code = bits == 8 ? qz.codes().data().get(at + i) & 0xff
                            : (qz.codes().data().get(at + i / 2) >> (4 * (i % 2))) & 0xf;
                    out[row * k + b * blockSize + i] = (code - zero) * scale;
                }
            }
        }
        return out;
    }
}
