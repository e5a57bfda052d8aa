package dev.iris.plugins.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.runtime.weights.WeightBinder;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training checkpoint folder: trainable weights per group ({@code fusion.safetensors} with the
 * fusion module's own names such as {@code linear1.weight}; {@code llm.safetensors} when the
 * language model is trained), {@code optimizer.safetensors}, and {@code state.json} (step, data
 * position, seeds). A folder is written under a temporary name and renamed when complete, so a
 * kill at any moment leaves the previous checkpoint intact; {@code state.json} marks a complete one.
 */
public final class Checkpoint {
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Where training stands: enough to continue exactly. */
    public record State(long step, int epoch, long consumedInEpoch, long optimizerSteps, String stage, long seed,
                        long samplesSeen, double lastLoss) {}

    private Checkpoint() {}

    /**
     * Writes a checkpoint atomically.
     *
     * @param params    trainable parameters by qualified name ({@code group/name})
     * @param metadata  recorded in every safetensors file (plugin type and version, stage)
     */
    public static void write(Path folder, Map<String, Tensor> params, Map<String, Tensor> optimizerState, State state,
                             Map<String, String> metadata) {
        Path parent = folder.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + folder.getFileName() + ".tmp");
        try {
            Files.createDirectories(parent);
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            Map<String, Map<String, Tensor>> byGroup = new LinkedHashMap<>();
            params.forEach((q, t) -> {
                int slash = q.indexOf('/');
                byGroup.computeIfAbsent(q.substring(0, slash), k -> new LinkedHashMap<>()).put(q.substring(slash + 1), t);
            });
            for (var e : byGroup.entrySet()) {
                SafetensorsWriter.write(tmp.resolve(e.getKey() + ".safetensors"), e.getValue(), DType.F32, metadata);
            }
            if (!optimizerState.isEmpty()) SafetensorsWriter.write(tmp.resolve("optimizer.safetensors"), optimizerState, DType.F32, Map.of());
            Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state));
            Path old = parent.resolve("." + folder.getFileName() + ".old");
            deleteRecursively(old);
            if (Files.exists(folder)) move(folder, old);   // replaced only once the new one is complete
            move(tmp, folder);
            deleteRecursively(old);
        } catch (IOException | RuntimeException e) {
            try {
                deleteRecursively(tmp);   // the previous checkpoint under the final name is untouched
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IrisException("cannot write checkpoint " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The trainable parameters stored in a checkpoint, by qualified name. */
    public static Map<String, Tensor> readParams(Path folder) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String group : new String[] {"fusion", "llm"}) {
            Path f = folder.resolve(group + ".safetensors");
            if (!Files.exists(f)) continue;
            try (WeightSource src = Safetensors.open(f)) {
                for (String n : src.names()) out.put(group + "/" + n, WeightBinder.writableCopy(src.read(n).toFloating(DType.F32)));
            }
        }
        return out;
    }

    public static Map<String, Tensor> readOptimizer(Path folder) {
        Path f = folder.resolve("optimizer.safetensors");
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (!Files.exists(f)) return out;
        try (WeightSource src = Safetensors.open(f)) {
            for (String n : src.names()) out.put(n, WeightBinder.writableCopy(src.read(n)));
        }
        return out;
    }

    public static State readState(Path folder) {
        Path f = folder.resolve(STATE);
        try {
            return JSON.readValue(f.toFile(), State.class);
        } catch (IOException e) {
            throw new IrisException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** The newest complete checkpoint under {@code runDir/checkpoints}, if any. */
    public static Optional<Path> latest(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            throw new IrisException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    public static String stepName(long step) {
        return String.format("step-%08d", step);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a folder and everything in it; nothing when it does not exist. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
