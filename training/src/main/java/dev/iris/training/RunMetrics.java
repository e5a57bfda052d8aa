package dev.iris.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A run folder's {@code metrics.jsonl}: one JSON object per optimizer step (step, loss, lr, grad_norm, samples_per_s). */
public final class RunMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunMetrics() {}

    public static Path file(Path runDir) {
        return runDir.resolve("metrics.jsonl");
    }

    /** Every record of the run, in order; empty when the run has none yet. */
    public static List<JsonNode> read(Path runDir) {
        Path f = file(runDir);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) return out;
        try {
            for (String line : Files.readAllLines(f)) if (!line.isBlank()) out.add(JSON.readTree(line));
        } catch (IOException e) {
            throw new IrisException("cannot read " + f + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The (step, loss) points of the run. */
    public static List<double[]> lossCurve(Path runDir) {
        return read(runDir).stream().map(n -> new double[] {n.get("step").asDouble(), n.get("loss").asDouble()}).toList();
    }

    static void append(Path runDir, Map<String, Object> record) throws IOException {
        Files.writeString(file(runDir), JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Keeps the records up to step {@code keepUpTo} (a resumed run rewrites the rest); a negative step clears the file. */
    static void truncate(Path runDir, long keepUpTo) throws IOException {
        Path f = file(runDir);
        if (!Files.exists(f)) return;
        if (keepUpTo < 0) {
            Files.delete(f);
            return;
        }
        List<String> kept = new ArrayList<>();
        for (JsonNode n : read(runDir)) if (n.get("step").asLong() <= keepUpTo) kept.add(JSON.writeValueAsString(n));
        Files.write(f, kept);
    }
}
