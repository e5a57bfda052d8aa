package dev.iris.training;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import dev.iris.runtime.weights.NonFinite;
import dev.iris.plugins.model.PeftAdapter;
import dev.iris.runtime.graph.LoraRewrite;

/**
 * A training checkpoint folder: trainable weights per group ({@code fusion.safetensors} with the
 * fusion module's own names such as {@code linear1.weight}; {@code llm.safetensors} when the
 * language model is trained), {@code optimizer.safetensors}, and {@code state.json} (step, data
 * position, seeds). A folder is written under a temporary name and renamed when complete, so a
 * kill at any moment leaves the previous checkpoint intact. {@code state.json} also lists every
 * safetensors file the folder holds with its tensor names: a checkpoint is complete only when
 * state.json parses and each listed file opens and reads with exactly those tensors.
 */
public final class Checkpoint {
    public static final String STATE = "state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** The trained weights of the fusion and of the language model (each file named for its weight group). */
    public static final String FUSION_WEIGHTS = "fusion.safetensors", LLM_WEIGHTS = "llm.safetensors";
    public static final String FINAL = "final";
    private static final String FILES = "files";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);   // state.json also holds the file list

    /** A checkpoint read completely: every tensor in memory, nothing left to fail later. */
    public record Loaded(Path folder, State state, Map<String, Tensor> params, Map<String, Tensor> optimizer) {}

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
        write(folder, params, optimizerState, state, metadata, Map.of());
    }

    /**
     * As above, with text files written into the folder before it is complete ({@code adapter_config.json}).
     * The {@link LoraRewrite#GROUP} group goes to PEFT's {@code adapter_model.safetensors}, under PEFT's keys.
     */
    public static void write(Path folder, Map<String, Tensor> params, Map<String, Tensor> optimizerState, State state,
                             Map<String, String> metadata, Map<String, String> textFiles) {
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
            Map<String, List<String>> files = new LinkedHashMap<>();
            for (var e : byGroup.entrySet()) {
                Map<String, Tensor> tensors = e.getValue();
                Map<String, String> meta = metadata;
                if (e.getKey().equals(LoraRewrite.GROUP)) {
                    tensors = new LinkedHashMap<>();
                    for (var t : e.getValue().entrySet()) tensors.put(PeftAdapter.peftKey(t.getKey()), t.getValue());
                    meta = new LinkedHashMap<>(metadata);
                    meta.put("format", "pt");   // what Hugging Face's safetensors loaders expect of a PyTorch file
                }
                SafetensorsWriter.write(tmp.resolve(fileOf(e.getKey())), tensors, DType.F32, meta);
                files.put(fileOf(e.getKey()), List.copyOf(tensors.keySet()));
            }
            for (var t : textFiles.entrySet()) Files.writeString(tmp.resolve(t.getKey()), t.getValue());
            if (!optimizerState.isEmpty()) {
                SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizerState, DType.F32, Map.of());
                files.put(OPTIMIZER, List.copyOf(optimizerState.keySet()));
            }
            ObjectNode json = JSON.valueToTree(state);
            json.set(FILES, JSON.valueToTree(files));
            Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(json));
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
        return read(folder).params();
    }

    public static Map<String, Tensor> readOptimizer(Path folder) {
        return read(folder).optimizer();
    }

    public static State readState(Path folder) {
        Path f = folder.resolve(STATE);
        try {
            return JSON.readValue(f.toFile(), State.class);
        } catch (IOException e) {
            throw new IrisException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a whole checkpoint, so that a damaged one fails here and not halfway through
     * restoring it. Throws an {@link IrisException} naming the file and what is wrong with it.
     */
    public static Loaded read(Path folder) {
        Path stateFile = folder.resolve(STATE);
        JsonNode json;
        State state;
        try {
            json = JSON.readTree(stateFile.toFile());
            state = JSON.treeToValue(json, State.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IrisException(stateFile + " does not parse: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) throw new IrisException(stateFile + " does not parse: not a JSON object");
        Map<String, List<String>> files = expectedFiles(folder, json.get(FILES));
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Tensor> optimizer = new LinkedHashMap<>();
        for (var e : files.entrySet()) {
            Path f = folder.resolve(e.getKey());
            boolean isOptimizer = e.getKey().equals(OPTIMIZER);
            boolean isAdapter = e.getKey().equals(PeftAdapter.WEIGHTS);
            String group = isAdapter ? LoraRewrite.GROUP : e.getKey().substring(0, e.getKey().length() - ".safetensors".length());
            try (WeightSource src = Safetensors.open(f)) {
                if (e.getValue() != null && !src.names().equals(new TreeSet<>(e.getValue()))) {
                    TreeSet<String> missing = new TreeSet<>(e.getValue());
                    missing.removeAll(src.names());
                    throw new IrisException(f + " does not hold the tensors " + STATE + " lists"
                            + (missing.isEmpty() ? " (it holds others)" : ": missing " + missing));
                }
                for (String n : src.names()) {
                    Tensor t = src.read(n);
                    // the check every bound weight gets: a damaged file must not resume as a diverged run
                    NonFinite.check(t, n, f.toString());
                    if (isOptimizer) optimizer.put(n, WeightBinder.writableCopy(t));
                    else params.put(group + "/" + (isAdapter ? PeftAdapter.irisName(n, f) : n), WeightBinder.writableCopy(t.toFloating(DType.F32)));
                }
            } catch (IrisException ex) {
                throw ex.getMessage() != null && ex.getMessage().contains(f.toString()) ? ex : new IrisException(f + ": " + ex.getMessage(), ex);
            } catch (RuntimeException ex) {
                throw new IrisException(f + " does not read: " + ex, ex);
            }
        }
        return new Loaded(folder, state, params, optimizer);
    }

    /**
     * The trained weight files a checkpoint folder holds: the fusion's, the language model's, and
     * LoRA adapters ({@code adapter} is the folder itself, in PEFT's layout), as far as present.
     */
    public record TrainedWeights(Optional<Path> fusion, Optional<Path> llm, Optional<Path> adapter) {
        public List<Path> files() {
            return Stream.of(fusion, llm, adapter.map(a -> a.resolve(PeftAdapter.WEIGHTS))).flatMap(Optional::stream).toList();
        }
    }

    /**
     * The trained weight files of a checkpoint folder ({@code RUN/final} or {@code RUN/checkpoints/step-N}).
     *
     * @param option how the user named the folder, for the error (e.g. {@code --checkpoint})
     * @throws IrisException when it is not a folder or holds neither file
     */
    public static TrainedWeights trainedWeights(Path folder, String option) {
        if (!Files.isDirectory(folder)) throw new IrisException(option + " " + folder + " is not a folder");
        Path fusion = folder.resolve(FUSION_WEIGHTS), llm = folder.resolve(LLM_WEIGHTS);
        TrainedWeights w = new TrainedWeights(Optional.of(fusion).filter(Files::exists), Optional.of(llm).filter(Files::exists),
                Optional.of(folder).filter(f -> Files.exists(f.resolve(PeftAdapter.WEIGHTS))));
        if (w.files().isEmpty()) {
            throw new IrisException(option + " " + folder + " holds no " + FUSION_WEIGHTS + ", " + LLM_WEIGHTS + " or " + PeftAdapter.WEIGHTS
                    + " (give a checkpoint folder, e.g. RUN/final)");
        }
        return w;
    }

    /** The files {@code state.json} lists; for a checkpoint written before it listed them, the ones present. */
    private static Map<String, List<String>> expectedFiles(Path folder, JsonNode listed) {
        Map<String, List<String>> files = new LinkedHashMap<>();
        if (listed == null) {
            for (String name : new String[] {FUSION_WEIGHTS, LLM_WEIGHTS, OPTIMIZER}) {
                if (Files.exists(folder.resolve(name))) files.put(name, null);
            }
            return files;
        }
        try {
            listed.fields().forEachRemaining(e -> {
                if (!e.getKey().endsWith(".safetensors") || e.getKey().contains("/") || e.getKey().contains("\\")) {
                    throw new IllegalArgumentException("unexpected file name " + e.getKey());
                }
                List<String> names = new ArrayList<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                files.put(e.getKey(), names);
            });
        } catch (IllegalArgumentException e) {
            throw new IrisException(folder.resolve(STATE) + " does not parse: " + e.getMessage(), e);
        }
        return files;
    }

    /** The newest checkpoint under {@code runDir/checkpoints} with a state.json, if any (nothing else is read). */
    public static Optional<Path> latest(Path runDir) {
        return candidates(runDir).stream().findFirst();
    }

    /**
     * The checkpoint folders under {@code runDir/checkpoints} that have a {@code state.json},
     * newest (largest step) first. {@code final} is not one: it may be left from an earlier run
     * into the same folder, and a finished run has nothing to continue.
     */
    static List<Path> candidates(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isRegularFile(p.resolve(STATE)))
                        .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                        .forEach(out::add);
            } catch (IOException e) {
                throw new IrisException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Loads the newest checkpoint of {@code runDir} that reads completely and that {@code restore}
     * accepts ({@code restore} puts it into the model and optimizer, and throws an
     * {@link IrisException} when it does not fit them). A damaged one is never used silently:
     * {@code warn} is told which one and why, and the previous complete one is tried.
     *
     * @return the checkpoint restored, or empty when the run has none and has not finished
     * @throws IrisException when the run has checkpoints but none of them can be used, or has
     *         finished without keeping any
     */
    public static Optional<Loaded> resume(Path runDir, Consumer<Loaded> restore, Consumer<String> warn) {
        List<Path> all = candidates(runDir);
        List<String> problems = new ArrayList<>();
        for (Path folder : all) {
            try {
                Loaded c = read(folder);
                restore.accept(c);
                if (!problems.isEmpty()) warn.accept("resuming from the previous complete checkpoint " + folder);
                return Optional.of(c);
            } catch (IrisException e) {
                problems.add(e.getMessage());
                warn.accept("checkpoint " + folder + " is damaged or does not fit this run, not resuming from it: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IrisException("--resume " + runDir + ": no usable checkpoint (" + String.join("; ", problems) + ")");
        }
        if (Files.isRegularFile(runDir.resolve(FINAL).resolve(STATE))) {
            // starting again would silently replace the finished run's weights
            throw new IrisException("--resume " + runDir + ": the run has finished (" + runDir.resolve(FINAL)
                    + ") and kept no checkpoint to continue from; to train further, start a new run with its weights"
                    + " (e.g. model.fusion.weights=" + runDir.resolve(FINAL).resolve(FUSION_WEIGHTS) + ")");
        }
        return Optional.empty();
    }

    /** The file a weight group is saved in: {@code <group>.safetensors}, the adapters in PEFT's file. */
    static String fileOf(String group) {
        return group.equals(LoraRewrite.GROUP) ? PeftAdapter.WEIGHTS : group + ".safetensors";
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
