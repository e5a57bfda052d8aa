package dev.iris.runtime.safetensors;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.iris.api.tensor.DType;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Entry point for safetensors checkpoints: {@link #open(Path)} accepts a single
 * {@code .safetensors} file, a sharded index json, or a model folder.
 */
public final class Safetensors {

    /** Name of the index file Hugging Face writes next to sharded checkpoints. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Name of the single-file checkpoint Hugging Face writes. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** Largest header or index json we accept; real ones are a few MB at most. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Safetensors dtypes that exist in the format but that Iris has no {@link DType} for. */
    private static final Set<String> KNOWN_UNSUPPORTED = Set.of(
            "I16", "U16", "U32", "U64", "C64",
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

    // Duplicate keys would otherwise be silently accepted, the last one winning.
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Safetensors() {}

    /**
     * Opens a checkpoint.
     * <ul>
     *   <li>a {@code .json} file: a sharded index ({@link ShardedSafetensors});</li>
     *   <li>any other file: one safetensors file ({@link SafetensorsFile});</li>
     *   <li>a folder: {@value #INDEX_FILE} if present, else {@value #SINGLE_FILE}, else every
     *       {@code *.safetensors} file in it merged (a tensor name in two files is an error).</li>
     * </ul>
     * A checkpoint whose metadata says it holds quantized codes ({@code iris quantize}) is served
     * through {@link dev.iris.runtime.weights.QuantizedSource}.
     */
    public static WeightSource open(Path path) {
        // a checkpoint iris quantize wrote also serves its quantized weights as floats
        return dev.iris.runtime.weights.QuantizedSource.wrapIfQuantized(openStored(path));
    }

    private static WeightSource openStored(Path path) {
        if (!Files.exists(path)) throw error(path, "no such file or directory");
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) return ShardedSafetensors.open(index);
            Path single = path.resolve(SINGLE_FILE);
            if (Files.exists(single)) return SafetensorsFile.open(single);
            List<Path> files = listSafetensors(path);
            if (files.isEmpty()) {
                throw error(path, "folder holds no " + INDEX_FILE + ", no " + SINGLE_FILE
                        + " and no other *.safetensors file");
            }
            return files.size() == 1 ? SafetensorsFile.open(files.get(0)) : ShardedSafetensors.merge(files);
        }
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    /** Regular {@code *.safetensors} files directly in {@code dir}, sorted by name. */
    static List<Path> listSafetensors(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw error(dir, "cannot list folder: " + e.getMessage(), e);
        }
    }

    /** The Iris dtype for a safetensors dtype string. */
    static DType parseDType(Path file, String tensor, String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F64" -> DType.F64;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "I64" -> DType.I64;
            case "I32" -> DType.I32;
            case "U8" -> DType.U8;
            case "I8" -> DType.I8;   // per-channel int8 codes (iris quantize)
            case "BOOL" -> DType.BOOL;
            default -> throw error(file, "tensor '" + tensor + "': "
                    + (KNOWN_UNSUPPORTED.contains(name) ? "dtype '" + name + "' is not supported by Iris"
                            : "unknown dtype '" + name + "'")
                    + " (supported: F32, F64, F16, BF16, I64, I32, U8, I8, BOOL)");
        };
    }

    /** The safetensors dtype string for an Iris dtype (the enum names match the format's). */
    static String dtypeName(DType dtype) {
        return dtype.name();
    }

    static WeightException error(Object origin, String problem) {
        return new WeightException(origin + ": " + problem);
    }

    static WeightException error(Object origin, String problem, Throwable cause) {
        return new WeightException(origin + ": " + problem, cause);
    }

    /** Error for an absent tensor, naming similar names when a cheap match exists. */
    static WeightException missing(Object origin, String name, Collection<String> names) {
        return error(origin, "no tensor named '" + name + "'" + nearNames(name, names));
    }

    /**
     * A hint listing names that differ from {@code name} only by a prefix or in case, or share its
     * last two segments; the usual mistakes are a missing/extra "model." prefix or a wrong layer.
     */
    static String nearNames(String name, Collection<String> names) {
        List<String> near = new ArrayList<>();
        for (String n : names) {
            if (n.endsWith("." + name) || name.endsWith("." + n) || n.equalsIgnoreCase(name)) near.add(n);
        }
        if (near.isEmpty() && name.contains(".")) {
            String tail = lastSegments(name, 2);
            for (String n : names) {
                if (lastSegments(n, 2).equals(tail)) near.add(n);
            }
        }
        if (near.isEmpty()) return "";
        List<String> shown = near.stream().sorted().limit(5).toList();
        return "; similar names: " + String.join(", ", shown) + (near.size() > shown.size() ? ", ..." : "");
    }

    private static String lastSegments(String name, int count) {
        int i = name.length();
        for (int k = 0; k < count && i > 0; k++) i = name.lastIndexOf('.', i - 1);
        return i <= 0 ? name : name.substring(i + 1);
    }

    /** A short description of a JSON token's kind for error messages. */
    static String kind(JsonToken t) {
        if (t == null) return "nothing";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
