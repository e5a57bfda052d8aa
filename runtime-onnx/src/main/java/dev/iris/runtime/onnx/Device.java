package dev.iris.runtime.onnx;

import dev.iris.api.config.ConfigException;

/** Where graphs run: {@code cpu}, {@code cuda:N}, or {@code auto} (CUDA when it loads, else CPU). */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA, AUTO }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public static Device parse(String spec) {
        String s = spec == null ? "cpu" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) return CPU;
        if (s.equals("auto")) return new Device(Kind.AUTO, 0);
        if (s.equals("cuda")) return new Device(Kind.CUDA, 0);
        if (s.startsWith("cuda:")) {
            try {
                int i = Integer.parseInt(s.substring(5));
                if (i >= 0) return new Device(Kind.CUDA, i);
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new ConfigException("runtime.device: '" + spec + "' is not a device (use cpu, cuda:N or auto)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case CUDA -> "cuda:" + index;
            case AUTO -> "auto";
        };
    }
}
