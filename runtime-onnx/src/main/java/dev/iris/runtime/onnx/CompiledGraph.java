package dev.iris.runtime.onnx;

import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.List;
import java.util.Map;

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
 * @param quantized the frozen weights bound as quantized codes and scales instead of floats
 */
public record CompiledGraph(byte[] model, DType precision, List<String> feeds, Map<String, Value> feedValues,
                            List<String> outputs, Map<String, Value> frozen, Quantization quantization, java.util.Set<String> quantized) {

    /** Weight-only quantization of linear layers: {@code bits} 8 or 4 in blocks of {@code blockSize} along K; bits 0 = none. */
    public record Quantization(int bits, int blockSize) {
        public static final Quantization NONE = new Quantization(0, 0);

        public static Quantization parse(String spec) {
            return switch (spec == null ? "fp32" : spec.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "fp32", "float32", "none" -> NONE;
                case "int8" -> new Quantization(8, 32);
                case "int4" -> new Quantization(4, 32);
                default -> throw new dev.iris.api.config.ConfigException("runtime.weights: '" + spec + "' is not a weight format (use fp32, int8 or int4)");
            };
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
