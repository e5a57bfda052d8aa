package dev.iris.runtime.onnx;

import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.List;
import java.util.Map;
import dev.iris.api.config.ConfigException;
import java.util.Locale;
import java.util.Set;

/**
 * An ONNX model compiled from a graph description.
 *
 * @param model     the serialized ModelProto
 * @param precision the element type of float values
 * @param feeds     names the caller feeds on each run: graph inputs, then trainable weights
 * @param feedValues the description's value behind each feed (for shapes and checks)
 * @param outputs   output names in declaration order
 * @param frozen    frozen weights (qualified name to value) bound when the session is created
 * @param quantization how frozen linear weights are quantized when bound (bits 0 = not at all)
 * @param quantized the frozen weights bound as quantized codes and scales
 * @param floatToo  quantized weights that other operations read as floats: bound as floats too
 * @param trainable weights fed as parameters on each run (a training graph when not empty)
 */
public record CompiledGraph(byte[] model, DType precision, List<String> feeds, Map<String, Value> feedValues,
                            List<String> outputs, Map<String, Value> frozen, Quantization quantization, Set<String> quantized,
                            Set<String> floatToo, Set<String> trainable) {

    /**
     * Weight-only quantization of linear layers: {@code bits} 8 or 4 in blocks of {@code blockSize}
     * along K; bits 0 = none. {@code accuracyLevel} is MatMulNBits' compute type: 4 lets ONNX
     * Runtime quantize the activations to int8 too, its fast path on CPUs with int8 dot products
     * (measured here on a 4864x896 matrix-vector product: int8 0.18 ms at level 4 against 5.9 ms
     * at level 0 and 0.60 ms in fp32).
     *
     * <p>{@code blockSize} 0 with 8 bits is per-channel int8: one scale per output row over all of
     * K, codes stored [K, N] (see {@link WeightQuantizer}), run by {@code com.microsoft:MatMulIntegerToFloat}
     * on activations quantized to 8 bits per row: an integer GEMM for prompts too, where
     * MatMulNBits' int8 path is little faster than fp32 (measured on a 79 x 896 x 4864 product,
     * AVX-512 VNNI / AMX Xeon, 2 threads: fp32 3.1-4.2 ms, MatMulNBits 2.3-2.6 ms, per channel
     * 0.8-1.3 ms); a decode step's matrix-vector products take as long as MatMulNBits'.
     */
    public record Quantization(int bits, int blockSize, int accuracyLevel) {
        public static final Quantization NONE = new Quantization(0, 0, 0);
        /** int8 codes with one scale per output channel, run by DynamicQuantizeMatMul. */
        public static final Quantization PER_CHANNEL_INT8 = new Quantization(8, 0, 0);

        public Quantization {
            if (bits != 0 && bits != 4 && bits != 8) throw new IllegalArgumentException("bits must be 0, 4 or 8: " + bits);
            if (blockSize == 0 && bits == 4) throw new IllegalArgumentException("int4 needs blocks (MatMulNBits): block size 0");
        }

        /**
         * The {@code runtime.weights} value that parses to this (fp32, int8, int8_channel, int4);
         * other block sizes or accuracy levels have no config name.
         */
        public String spec() {
            if (!enabled()) return "fp32";
            if (perChannel()) return "int8_channel";
            if (blockSize == 128 && accuracyLevel == 4) return bits == 8 ? "int8" : "int4";
            throw new IllegalStateException("no runtime.weights value for " + this);
        }

        /** One scale per output channel (DynamicQuantizeMatMul) rather than per block (MatMulNBits). */
        public boolean perChannel() {
            return bits == 8 && blockSize == 0;
        }

        /** Whether a weight with {@code k} inputs can be quantized (per channel always; in blocks when one divides K). */
        public boolean quantizes(long k) {
            return enabled() && (perChannel() || blockFor(k) != 0);
        }

        /** Bytes of codes and scales of a quantized [n, k] weight. */
        public long storedBytes(long n, long k) {
            return perChannel() ? n * k + n * 4 : n * k * bits / 8 + n * (k / blockFor(k)) * 4;
        }

        public static Quantization parse(String spec) {
            return switch (spec == null ? "fp32" : spec.strip().toLowerCase(Locale.ROOT)) {
                case "fp32", "float32", "none" -> NONE;
                // blocks of 128 along K, as ONNX Runtime's own quantizer defaults to: per token, the
                // LM head's int8 product took 5.1 ms against 6.1 ms with blocks of 32 (151936 x 896, 2 threads)
                case "int8" -> new Quantization(8, 128, 4);
                // integer GEMM for prompts too (see above)
                case "int8_channel" -> PER_CHANNEL_INT8;
                case "int4" -> new Quantization(4, 128, 4);
                default -> throw new ConfigException("runtime.weights: '" + spec + "' is not a weight format (use fp32, int8, int8_channel or int4)");
            };
        }

        /**
         * The block size for a weight with {@code k} inputs: the configured one, halved while it
         * does not divide {@code k} (down to 16); 0 when none does (the weight stays float).
         */
        public int blockFor(long k) {
            if (blockSize == 0) return 0;   // per channel: no blocks
            for (int b = blockSize; b >= 16; b /= 2) if (k % b == 0) return b;
            return 0;
        }

        public boolean enabled() {
            return bits > 0;
        }

        /** Initializer names of a quantized weight's codes and scales. */
        public static String codes(String weight) {
            return weight + "#codes";
        }

        public static String scales(String weight) {
            return weight + "#scales";
        }
    }
}
