package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.Safetensors.error;
import static dev.iris.runtime.safetensors.Safetensors.kind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iris.api.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parsed and validated JSON header of one safetensors file. */
record SafetensorsHeader(Map<String, String> metadata, Map<String, Entry> entries) {

    static final String METADATA_KEY = "__metadata__";

    /** One tensor's description; offsets are relative to the start of the data section. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        long length() {
            return end - begin;
        }
    }

    /**
     * Parses {@code header} and checks every entry against the format and against
     * {@code dataSize}, the number of bytes that follow the header in the file.
     */
    static SafetensorsHeader parse(Path file, byte[] header, long dataSize) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error(file, "header is not valid UTF-8");
        }
        if (text.isBlank()) throw error(file, "header is empty");
        JsonNode root;
        try {
            root = Safetensors.JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw error(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw error(file, "header must be a JSON object, found " + kind(root));
        }

        Map<String, String> metadata = Map.of();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.put(name, parseEntry(file, name, field.getValue(), dataSize));
            }
        }
        checkOverlap(file, entries.values());
        return new SafetensorsHeader(metadata, Collections.unmodifiableMap(entries));
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) throw error(file, METADATA_KEY + " must be an object, found " + kind(node));
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(file, METADATA_KEY + " value for '" + e.getKey() + "' must be a string, found "
                        + kind(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw error(file, where + " must be an object with dtype, shape and data_offsets, found " + kind(node));
        }
        JsonNode dt = node.get("dtype");
        if (dt == null) throw error(file, where + " has no \"dtype\"");
        if (!dt.isTextual()) throw error(file, where + ": \"dtype\" must be a string, found " + kind(dt));
        DType dtype = Safetensors.parseDType(file, name, dt.textValue());

        long[] shape = longs(file, where, "shape", node.get("shape"));
        for (long d : shape) {
            if (d < 0) throw error(file, where + " has a negative dimension in shape " + Arrays.toString(shape));
        }
        long[] offsets = longs(file, where, "data_offsets", node.get("data_offsets"));
        if (offsets.length != 2) {
            throw error(file, where + ": \"data_offsets\" must be [begin, end], found " + offsets.length + " numbers");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < 0) throw error(file, where + " has negative data_offsets " + Arrays.toString(offsets));
        if (begin > end) throw error(file, where + ": data_offsets " + Arrays.toString(offsets) + " end before they begin");

        long bytes;
        try {
            long numel = 1;
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            bytes = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw error(file, where + ": shape " + Arrays.toString(shape) + " has more elements than fit in 64 bits");
        }
        if (end - begin != bytes) {
            throw error(file, where + ": data_offsets " + Arrays.toString(offsets) + " span " + (end - begin)
                    + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + bytes + " bytes");
        }
        if (end > dataSize) {
            throw error(file, where + ": data_offsets " + Arrays.toString(offsets)
                    + " run past the end of the data section (" + dataSize + " bytes); the file is truncated"
                    + " or the header is wrong");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longs(Path file, String where, String key, JsonNode node) {
        if (node == null) throw error(file, where + " has no \"" + key + "\"");
        if (!node.isArray()) throw error(file, where + ": \"" + key + "\" must be an array, found " + kind(node));
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw error(file, where + ": \"" + key + "\" must hold integers, found " + v + " at position " + i);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Two non-empty tensors sharing bytes means a corrupt or hand-edited header. */
    private static void checkOverlap(Path file, Iterable<Entry> entries) {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : entries) if (e.length() > 0) sorted.add(e);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry reach = null; // the tensor reaching furthest so far
        for (Entry e : sorted) {
            if (reach != null && e.begin() < reach.end()) {
                throw error(file, "tensors '" + reach.name() + "' [" + reach.begin() + ", " + reach.end() + ") and '"
                        + e.name() + "' [" + e.begin() + ", " + e.end() + ") overlap in the data section");
            }
            if (reach == null || e.end() > reach.end()) reach = e;
        }
    }
}
