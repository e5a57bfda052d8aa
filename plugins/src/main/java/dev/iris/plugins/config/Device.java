package dev.iris.plugins.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Where graphs run: {@code cpu}, {@code cuda:N} (GPU N; plain {@code cuda} is GPU 0) or
 * {@code auto} (CUDA 0 when it is usable, else the CPU).
 */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA, AUTO }

    public static final Device CPU = new Device(Kind.CPU, 0);
    public static final Device AUTO = new Device(Kind.AUTO, 0);

    public Device {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0: " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Reads {@code cpu}, {@code auto}, {@code cuda} or {@code cuda:N}; empty when it is none of them. */
    public static Optional<Device> parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
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

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case AUTO -> "auto";
            case CUDA -> "cuda:" + index;
        };
    }
}
