package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.RawSafetensors.file;
import static dev.iris.runtime.safetensors.RawSafetensors.floats;
import static dev.iris.runtime.safetensors.RawSafetensors.shorts;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the seed corpora of {@link SafetensorsFuzzTest}: one input per corruption class the
 * reader's tests know, plus valid files (both writers) and non-finite values. Run from the module
 * folder to regenerate: {@code java -cp ... dev.iris.runtime.safetensors.SafetensorsSeeds src/test/resources}.
 */
final class SafetensorsSeeds {
    private static final String ENTRY = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]).resolve("dev/iris/runtime/safetensors/SafetensorsFuzzTestInputs");
        Map<String, String> headers = headers();
        Path h = Files.createDirectories(root.resolve("parseHeader"));
        for (var e : headers.entrySet()) Files.write(h.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
        Files.write(h.resolve("not-utf8"), new byte[] {'{', (byte) 0xC3, '}'});
        Path f = Files.createDirectories(root.resolve("readFile"));
        for (var e : files().entrySet()) Files.write(f.resolve(e.getKey()), e.getValue());
    }

    /** Header texts, each checked against a data section of {@link SafetensorsFuzzTest#DATA_SIZE} bytes. */
    static Map<String, String> headers() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("valid", "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},\"c\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}}");
        m.put("empty-object", "{}");
        m.put("blank", "   ");
        m.put("truncated-json", "{\"t\": {\"dtype\": ");
        m.put("trailing-content", "{} trailing");
        m.put("two-objects", "{} {}");
        m.put("array", "[1, 2]");
        m.put("entry-not-object", "{\"t\": 3}");
        m.put("metadata-number", "{\"__metadata__\": {\"k\": 1}}");
        m.put("metadata-array", "{\"__metadata__\": []}");
        m.put("duplicate-name", "{\"t\":" + ENTRY + ",\"t\":" + ENTRY + "}");
        m.put("no-dtype", "{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}");
        m.put("dtype-number", "{\"t\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}");
        m.put("no-shape", "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}");
        m.put("shape-string", "{\"t\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}");
        m.put("shape-float", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}");
        m.put("no-offsets", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}");
        m.put("offsets-object", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}");
        m.put("three-offsets", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}");
        m.put("big-integer-offset", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}");
        m.put("negative-offsets", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}");
        m.put("offsets-reversed", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}");
        m.put("high-rank", "{\"t\":{\"dtype\":\"F32\",\"shape\":[" + "1,".repeat(1100) + "1],\"data_offsets\":[0,4]}}");
        m.put("deep-nesting", "{\"t\":{\"extra\":" + "[".repeat(2000) + "]".repeat(2000) + ",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        m.put("unknown-key", "{\"t\":{\"note\":{\"a\":[1,2]},\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        m.put("unknown-dtype", "{\"t\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}");
        m.put("unsupported-dtype", "{\"t\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[0,2]}}");
        m.put("lowercase-dtype", "{\"t\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        m.put("offsets-disagree", "{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}");
        m.put("overflowing-shape", "{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}");
        m.put("negative-dimension", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}}");
        m.put("past-data", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4096,4104]}}");
        m.put("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}");
        m.put("overlap-inside", "{\"inner\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[5,6]},\"outer\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}");
        m.put("zero-size", "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,99999999999],\"data_offsets\":[8,8]},\"t\":" + ENTRY + "}");
        m.put("huge-dims-zero", "{\"t\":{\"dtype\":\"BF16\",\"shape\":[9223372036854775807,0],\"data_offsets\":[0,0]}}");
        m.put("escaped-names", "{\"\\u0000a\\\"b\":" + ENTRY + ",\"__metadata__\":{\"\\ud800\":\"x\"}}");
        return m;
    }

    /** Whole files. */
    static Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        byte[] good = new RawSafetensors().metadata("format", "pt")
                .tensor("a", "F32", "[2,2]", floats(1, 2, 3, 4))
                .tensor("b", "BF16", "[3]", shorts(1, 2, 3))
                .tensor("c", "I64", "[1]", RawSafetensors.longs(9))
                .bytes();
        m.put("valid-raw", good);
        m.put("valid-writer", writerFile());
        m.put("empty-file", new byte[0]);
        m.put("five-bytes", new byte[] {1, 2, 3, 4, 5});
        m.put("length-past-end", file(1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]));
        m.put("length-absurd", file(1L << 40, new byte[4], new byte[0]));
        m.put("length-negative", file(-1L, new byte[4], new byte[0]));
        m.put("length-zero", file(0, new byte[0], new byte[0]));
        m.put("truncated-data", Arrays.copyOf(good, good.length - 3));
        m.put("truncated-header", Arrays.copyOf(good, 20));
        for (var e : headers().entrySet()) m.put("header-" + e.getKey(), file(e.getValue(), new byte[64]));
        m.put("nan-bf16", new RawSafetensors().tensor("w", "BF16", "[5]", shorts(0x3F80, 0, 0x4000, 0x7FC1, 0x3F80)).bytes());
        m.put("inf-f16", new RawSafetensors().tensor("w", "F16", "[3]", shorts(0x3C00, 0xFC00, 0)).bytes());
        m.put("inf-f32", new RawSafetensors().tensor("w", "F32", "[2]", floats(1, Float.POSITIVE_INFINITY)).bytes());
        m.put("nan-f64", new RawSafetensors().tensor("w", "F64", "[1]", RawSafetensors.doubles(Double.NaN)).bytes());
        m.put("odd-bf16", new RawSafetensors().tensor("w", "BF16", "[3]", shorts(1, 2, 0x7F80)).bytes());
        m.put("all-dtypes", new RawSafetensors()
                .tensor("u8", "U8", "[2]", new byte[] {1, 2})
                .tensor("bool", "BOOL", "[1]", new byte[] {1})
                .tensor("i32", "I32", "[1]", new byte[] {1, 0, 0, 0})
                .tensor("f16", "F16", "[1]", shorts(0x3C00))
                .tensor("scalar", "F32", "[]", floats(3))
                .tensor("empty", "F32", "[0,4]", new byte[0])
                .bytes());
        return m;
    }

    private static byte[] writerFile() throws IOException {
        Path tmp = Files.createTempFile("seed", ".safetensors");
        try {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("linear1.weight", Tensor.ofFloats(new float[] {0.5f, -1, 2, 0.25f}, 2, 2));
            t.put("linear1.bias", Tensor.ofFloats(new float[] {1, -1}, 2));
            SafetensorsWriter.write(tmp, t, DType.BF16, Map.of("iris.fusion", "projector", "iris.stage", "pretrain"));
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
