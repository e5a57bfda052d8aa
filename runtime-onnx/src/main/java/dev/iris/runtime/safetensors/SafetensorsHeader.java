package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.Safetensors.error;
import static dev.iris.runtime.safetensors.Safetensors.kind;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.iris.api.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
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

/**
 * The parsed and validated JSON header of one safetensors file. Parsing streams over the
 * tokens instead of building a JSON tree, so even a hostile 100 MB header costs memory in
 * proportion to the tensors it declares, not several times its size in tree nodes.
 */
record SafetensorsHeader(Map<String, String> metadata, Map<String, Entry> entries) {

    static final String METADATA_KEY = "__metadata__";
    /** Far above any real tensor rank; bounds what one shape array may allocate. */
    static final int MAX_RANK = 1024;

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
        checkUtf8(file, header);
        Map<String, String> metadata = Map.of();
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (JsonParser p = Safetensors.JSON.createParser(header)) {
            JsonToken t = p.nextToken();
            if (t == null) throw error(file, "header is empty");
            if (t != JsonToken.START_OBJECT) throw error(file, "header must be a JSON object, found " + kind(t));
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    metadata = parseMetadata(file, p);
                } else {
                    entries.put(name, parseEntry(file, name, p, dataSize));
                }
            }
            if (p.nextToken() != null) {
                throw error(file, "header is not valid JSON: unexpected content after the closing '}' at byte "
                        + p.currentTokenLocation().getByteOffset());
            }
        } catch (JsonProcessingException e) {
            throw error(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw error(file, "cannot parse header: " + e.getMessage(), e); // not expected from a byte array
        }
        checkOverlap(file, entries.values());
        return new SafetensorsHeader(metadata, Collections.unmodifiableMap(entries));
    }

    /** Strict UTF-8 check in small steps, so no second copy of a large header is made. */
    private static void checkUtf8(Path file, byte[] header) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(header);
        CharBuffer out = CharBuffer.allocate(4096);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) throw error(file, "header is not valid UTF-8 (at byte " + in.position() + ")");
            if (r.isUnderflow()) break;
            out.clear();
        }
        if (decoder.flush(out.clear()).isError()) throw error(file, "header is not valid UTF-8");
    }

    private static Map<String, String> parseMetadata(Path file, JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(file, METADATA_KEY + " must be an object, found " + kind(p.currentToken()));
        }
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING) {
                throw error(file, METADATA_KEY + " value for '" + key + "' must be a string, found " + kind(v));
            }
            out.put(key, p.getText());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry parseEntry(Path file, String name, JsonParser p, long dataSize) throws IOException {
        String where = "tensor '" + name + "'";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(file, where + " must be an object with dtype, shape and data_offsets, found "
                    + kind(p.currentToken()));
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (key) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw error(file, where + ": \"dtype\" must be a string, found " + kind(v));
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> shape = longs(file, where, "shape", p, MAX_RANK);
                case "data_offsets" -> offsets = longs(file, where, "data_offsets", p, 2);
                default -> p.skipChildren(); // unknown keys are tolerated, as other readers do
            }
        }
        if (dtypeName == null) throw error(file, where + " has no \"dtype\"");
        if (shape == null) throw error(file, where + " has no \"shape\"");
        if (offsets == null) throw error(file, where + " has no \"data_offsets\"");
        DType dtype = Safetensors.parseDType(file, name, dtypeName);

        for (long d : shape) {
            if (d < 0) throw error(file, where + " has a negative dimension in shape " + Arrays.toString(shape));
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

    /**
     * Reads an array of integers at the parser's current token. {@code expected} is the exact
     * count for data_offsets (2) or the upper bound for a shape.
     */
    private static long[] longs(Path file, String where, String key, JsonParser p, int expected) throws IOException {
        boolean exact = expected == 2;
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw error(file, where + ": \"" + key + "\" must be an array, found " + kind(p.currentToken()));
        }
        long[] out = new long[8];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                String shown = t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT
                        ? p.getText() : kind(t);
                throw error(file, where + ": \"" + key + "\" must hold integers, found " + abbreviate(shown)
                        + " at position " + n);
            }
            if (n == (exact ? 2 : expected)) {
                if (exact) {
                    int count = n + 1;
                    for (JsonToken rest = p.nextToken(); rest != JsonToken.END_ARRAY && rest != null; rest = p.nextToken()) {
                        count++;
                    }
                    throw error(file, where + ": \"data_offsets\" must be [begin, end], found " + count + " numbers");
                }
                throw error(file, where + ": \"shape\" has more than " + expected + " dimensions");
            }
            if (n == out.length) out = Arrays.copyOf(out, n * 2);
            out[n++] = p.getLongValue();
        }
        if (exact && n != 2) {
            throw error(file, where + ": \"data_offsets\" must be [begin, end], found " + n + " numbers");
        }
        return Arrays.copyOf(out, n);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
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
