package dev.iris.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** This process's memory as Linux reports it in {@code /proc/self/status}; empty elsewhere. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** The status fields given in kB, in MiB (VmHWM: peak resident set, VmRSS: resident set now, ...). */
    public static Map<String, Double> statusMb() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!Files.isReadable(STATUS)) return out;
        try {
            for (String line : Files.readAllLines(STATUS)) {
                int colon = line.indexOf(':');
                if (colon < 0 || !line.endsWith(" kB")) continue;
                out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).strip()) / 1024.0);
            }
        } catch (IOException | NumberFormatException e) {
            return Map.of();
        }
        return out;
    }

    /** The peak resident set so far (VmHWM), in MiB. */
    public static Optional<Double> peakRssMb() {
        return Optional.ofNullable(statusMb().get("VmHWM"));
    }

    /** Resets the peak to the resident set now ("5" into clear_refs); false where that is not possible. */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
