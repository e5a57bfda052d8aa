package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.RawSafetensors.file;
import static dev.iris.runtime.safetensors.RawSafetensors.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file must fail with a WeightException naming the file and the problem. */
class SafetensorsCorruptionTest {

    @TempDir
    Path dir;

    private Path write(byte[] content) throws IOException {
        return Files.write(dir.resolve("bad.safetensors"), content);
    }

    private void assertRejected(byte[] content, String... problem) throws IOException {
        Path file = write(content);
        assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isExactlyInstanceOf(WeightException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(problem);
    }

    /** A header holding one entry given as raw JSON, followed by {@code dataBytes} zero bytes. */
    private void assertEntryRejected(String entryJson, int dataBytes, String... problem) throws IOException {
        assertRejected(file("{\"t\":" + entryJson + "}", new byte[dataBytes]), problem);
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        assertRejected(new byte[] {1, 2, 3, 4, 5}, "5 bytes", "shorter than the 8-byte header length");
        assertRejected(new byte[0], "0 bytes", "shorter than the 8-byte header length");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        assertRejected(file(1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                "header length 1000 bytes runs past the end of the file", "file is 10 bytes");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        assertRejected(file(1L << 40, new byte[4], new byte[0]), "header length 1099511627776", "implausibly large");
        // 0xFFFF... reads as a negative long; reported as the unsigned value the format means.
        assertRejected(file(-1L, new byte[4], new byte[0]), "18446744073709551615", "implausibly large");
        assertRejected(file(100L * 1024 * 1024 + 1, new byte[4], new byte[0]), "implausibly large");
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        assertRejected(file("{\"t\": {\"dtype\": ", new byte[0]), "header is not valid JSON");
        assertRejected(file("{} trailing", new byte[0]), "header is not valid JSON");
        assertRejected(file("   ", new byte[0]), "header is empty");
        assertRejected(file(0, new byte[0], new byte[0]), "header is empty");
        assertRejected(file(3, new byte[] {'{', (byte) 0xC3, '}'}, new byte[0]), "header is not valid UTF-8");
        assertRejected(file("[1, 2]", new byte[0]), "header must be a JSON object, found an array");
        assertRejected(file("{\"t\": 3}", new byte[0]), "tensor 't' must be an object");
        assertRejected(file("{\"__metadata__\": {\"k\": 1}}", new byte[0]),
                "__metadata__ value for 'k' must be a string, found a number");
        assertRejected(file("{\"__metadata__\": []}", new byte[0]), "__metadata__ must be an object");
    }

    @Test
    void duplicateTensorName() throws IOException {
        String e = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        assertRejected(file("{\"t\":" + e + ",\"t\":" + e + "}", new byte[1]), "not valid JSON", "Duplicate", "'t'");
    }

    @Test
    void missingOrIllTypedFields() throws IOException {
        assertEntryRejected("{\"shape\":[1],\"data_offsets\":[0,4]}", 4, "tensor 't' has no \"dtype\"");
        assertEntryRejected("{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}", 4,
                "tensor 't'", "\"dtype\" must be a string, found a number");
        assertEntryRejected("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", 4, "tensor 't' has no \"shape\"");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}", 4,
                "\"shape\" must be an array, found a string");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}", 4,
                "\"shape\" must hold integers", "1.5");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}", 4,
                "\"shape\" must hold integers");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1]}", 4, "tensor 't' has no \"data_offsets\"");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}", 4,
                "\"data_offsets\" must be an array, found an object");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 4,
                "\"data_offsets\" must be [begin, end], found 3 numbers");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}", 4,
                "\"data_offsets\" must hold integers");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}", 4, "negative data_offsets");
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}", 4, "end before they begin");
    }

    @Test
    void hostileHeadersFailFastWithoutBuildingHugeStructures() throws IOException {
        // ~10 MB shape array: rejected at the rank bound instead of being materialised.
        String zeros = "0,".repeat(5_000_000) + "0";
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[" + zeros + "],\"data_offsets\":[0,0]}", 0,
                "\"shape\" has more than 1024 dimensions");
        // Deep nesting under an unknown key hits the parser's depth limit.
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEntryRejected("{\"extra\":" + deep + ",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4,
                "header is not valid JSON");
        assertRejected(file("{} {}", new byte[0]), "header is not valid JSON", "after the closing");
    }

    @Test
    void unknownEntryKeysAreTolerated() throws IOException {
        Path file = write(file("{\"t\":{\"note\":{\"a\":[1,2]},\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                floats(8f)));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.read("t").toFloats()).containsExactly(8f);
        }
    }

    @Test
    void unknownOrUnsupportedDtype() throws IOException {
        assertEntryRejected("{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}", 1,
                "tensor 't'", "unknown dtype 'Q7'", "supported: F32");
        assertEntryRejected("{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[0,2]}", 2,
                "dtype 'I16' is not supported");
        assertEntryRejected("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "unknown dtype 'f32'");
    }

    @Test
    void offsetsDisagreeWithShape() throws IOException {
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 12,
                "tensor 't'", "span 8 bytes but F32 [3] needs 12 bytes");
        assertEntryRejected("{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}", 16,
                "span 16 bytes but BF16 [2, 2] needs 8 bytes");
    }

    @Test
    void shapeWhoseElementCountOverflows() throws IOException {
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}", 4,
                "more elements than fit in 64 bits");
    }

    @Test
    void negativeDimension() throws IOException {
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}", 4,
                "tensor 't' has a negative dimension in shape [2, -1]");
    }

    @Test
    void offsetsPastDataSection() throws IOException {
        assertEntryRejected("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}", 8,
                "tensor 't'", "[100, 108]", "run past the end of the data section (8 bytes)");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRejected(file(header, new byte[12]), "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
        // Contained entirely inside another tensor, listed first.
        String inside = "{\"inner\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[5,6]},"
                + "\"outer\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertRejected(file(inside, new byte[16]), "'outer' [0, 16) and 'inner' [5, 6) overlap");
    }

    @Test
    void truncatedDataSection() throws IOException {
        byte[] good = new RawSafetensors()
                .tensor("a", "F32", "[2]", floats(1, 2))
                .tensor("b", "F32", "[4]", floats(1, 2, 3, 4))
                .bytes();
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        assertRejected(cut, "tensor 'b'", "run past the end of the data section (21 bytes)", "truncated");
    }

    @Test
    void notARegularFileOrMissing() {
        assertThatThrownBy(() -> SafetensorsFile.open(dir)).isInstanceOf(WeightException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not a regular file");
        Path missing = dir.resolve("missing.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(missing)).isInstanceOf(WeightException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("no such file");
        assertThatThrownBy(() -> Safetensors.open(missing)).isInstanceOf(WeightException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("no such file");
    }

    @Test
    void absentTensorNamesFileAndSuggestsNearNames() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("model.layers.0.mlp.up_proj.weight", Tensor.scalar(1f));
        in.put("model.layers.1.mlp.up_proj.weight", Tensor.scalar(1f));
        in.put("model.embed_tokens.weight", Tensor.scalar(1f));
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, in, DType.F32);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            // missing "model." prefix
            assertThatThrownBy(() -> st.read("embed_tokens.weight")).isInstanceOf(WeightException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("no tensor named 'embed_tokens.weight'")
                    .hasMessageContaining("similar names: model.embed_tokens.weight");
            // wrong layer: same last two segments
            assertThatThrownBy(() -> st.read("model.layers.7.mlp.up_proj.weight"))
                    .hasMessageContaining("similar names: model.layers.0.mlp.up_proj.weight, model.layers.1.mlp.up_proj.weight");
            assertThatThrownBy(() -> st.read("nothing.like.it"))
                    .hasMessageContaining("no tensor named 'nothing.like.it'")
                    .hasMessageNotContaining("similar");
        }
    }

    /**
     * Random byte flips and truncations of a valid file: opening and reading must either work
     * or throw WeightException, never an index/underflow/other runtime error.
     */
    @Test
    void randomDamageOnlyEverYieldsWeightException() throws IOException {
        byte[] good = new RawSafetensors()
                .metadata("format", "pt")
                .tensor("a", "F32", "[2,2]", floats(1, 2, 3, 4))
                .tensor("b", "BF16", "[3]", RawSafetensors.shorts(1, 2, 3))
                .tensor("c", "I64", "[1]", RawSafetensors.longs(9))
                .bytes();
        Random random = new Random(42);
        Path file = dir.resolve("fuzz.safetensors");
        int opened = 0;
        for (int round = 0; round < 1000; round++) {
            byte[] bad = good.clone();
            int kind = random.nextInt(4);
            if (kind == 0) {
                bad = Arrays.copyOf(bad, random.nextInt(bad.length));
            } else if (kind == 1) {
                bad[random.nextInt(8)] = (byte) random.nextInt(256); // header length
            } else {
                for (int k = 0; k < 1 + random.nextInt(3); k++) {
                    bad[8 + random.nextInt(bad.length - 8)] = (byte) (kind == 2 ? random.nextInt(256) : "0123456789[],:-\"".charAt(random.nextInt(16)));
                }
            }
            Files.write(file, bad);
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                opened++;
                for (String n : st.names()) {
                    st.info(n);
                    st.read(n).toDoubles();
                }
            } catch (WeightException expected) {
                assertThat(expected.getMessage()).contains(file.toString());
            }
        }
        assertThat(opened).isPositive(); // some damage lands in data bytes and is harmless
    }
}
