package dev.iris.plugins.config;

import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.onnx.Device;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code runtime} section.
 *
 * @param device {@code device}, default {@code cpu}
 * @param threads {@code threads}: intra-op threads, default the number of available processors
 * @param weights {@code weights}: {@code fp32} (default), {@code int8} or {@code int4}: linear layers'
 *                frozen weights quantized block-wise when the model is loaded (inference only)
 */
public record RuntimeConfig(Device device, int threads, Quantization weights) {

    public RuntimeConfig(Device device, int threads) {
        this(device, threads, Quantization.NONE);
    }

    /** The values as a config file writes them (for {@code iris config --defaults}). */
    public Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", device.toString());
        m.put("threads", threads);
        m.put("weights", weights.bits() == 0 ? "fp32" : "int" + weights.bits());
        return m;
    }

    static RuntimeConfig from(SectionConfig s) {
        Device device = Device.CPU;
        if (s.has("device")) {
            String raw = s.string("device");
            device = Device.tryParse(raw).orElseThrow(() -> s.wrong("device", "cpu, auto or cuda:N", raw));
        }
        int threads = s.integerIn("threads", Runtime.getRuntime().availableProcessors(), 1, Integer.MAX_VALUE);
        Quantization weights = Quantization.NONE;
        if (s.has("weights")) {
            String raw = s.string("weights");
            try {
                weights = Quantization.parse(raw);
            } catch (RuntimeException e) {
                throw s.wrong("weights", "fp32, int8, int8_channel or int4", raw);
            }
        }
        return new RuntimeConfig(device, threads, weights);
    }
}
