package dev.iris.plugins.config;

import dev.iris.runtime.onnx.Device;

/**
 * The {@code runtime} section.
 *
 * @param device {@code device}, default {@code cpu}
 * @param threads {@code threads}: intra-op threads, default the number of available processors
 */
public record RuntimeConfig(Device device, int threads) {

    static RuntimeConfig from(SectionConfig s) {
        Device device = Device.CPU;
        if (s.has("device")) {
            String raw = s.string("device");
            device = Device.tryParse(raw).orElseThrow(() -> s.wrong("device", "cpu, auto or cuda:N", raw));
        }
        int threads = s.integerIn("threads", Runtime.getRuntime().availableProcessors(), 1, Integer.MAX_VALUE);
        return new RuntimeConfig(device, threads);
    }
}
