package dev.iris.runtime.onnx;

import dev.iris.api.config.ConfigException;
import java.util.Locale;
import java.util.Optional;

/**
 * Where graphs run: {@code cpu}, {@code cuda:N} (GPU N; plain {@code cuda} is GPU 0) or
 * {@code auto} (CUDA when it loads, else the CPU, said in the log).
 */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA, AUTO }

    public static final Device CPU = new Device(Kind.CPU, 0);
    public static final Device AUTO = new Device(Kind.AUTO, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0: " + index);
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Reads {@code cpu}, {@code auto}, {@code cuda} or {@code cuda:N}; empty when it is none of them. */
    public static Optional<Device> tryParse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "cpu" -> {
                return Optional.of(CPU);
            }
            case "auto" -> {
                return Optional.of(AUTO);
            }
            case "cuda" -> {
                return Optional.of(cuda(0));
            }
            default -> {
                if (s.startsWith("cuda:")) {
                    try {
                        int n = Integer.parseInt(s.substring(5));
                        return n >= 0 ? Optional.of(cuda(n)) : Optional.empty();
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
                return Optional.empty();
            }
        }
    }

    /** Like {@link #tryParse} but a bad value is a {@link ConfigException} naming {@code runtime.device}. */
    public static Device parse(String text) {
        return tryParse(text).orElseThrow(() ->
                new ConfigException("runtime.device: '" + text + "' is not a device (use cpu, cuda:N or auto)"));
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
