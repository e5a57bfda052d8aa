package dev.iris.runtime.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    private static Tensor bools(int... v) {
        ByteBuffer b = Tensor.allocate(v.length);
        for (int x : v) b.put((byte) x);
        return new Tensor(DType.BOOL, new long[] {v.length}, b.flip());
    }

    private static Tensor bytes(int... v) {
        ByteBuffer b = Tensor.allocate(v.length);
        for (int x : v) b.put((byte) x);
        return new Tensor(DType.U8, new long[] {v.length}, b.flip());
    }

    private static Tensor floatsFromBits(int... bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) f[i] = Float.intBitsToFloat(bits[i]);
        return Tensor.ofFloats(f, bits.length);
    }

    /** Header json and data-section start of a file, parsed independently of the reader. */
    private record Layout(JsonNode header, int headerLength, ByteBuffer file) {
        ByteBuffer tensorBytes(String name) {
            JsonNode off = header.get(name).get("data_offsets");
            int begin = 8 + headerLength + off.get(0).asInt();
            int end = 8 + headerLength + off.get(1).asInt();
            return file.duplicate().position(begin).limit(end).slice().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static Layout layout(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) all.getLong(0);
        String text = new String(all.array(), 8, n, java.nio.charset.StandardCharsets.UTF_8);
        return new Layout(new ObjectMapper().readTree(text), n, all);
    }

    @Test
    void f32RoundTripKeepsValuesOrderAndIntegerTensors() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.weight", Tensor.ofFloats(new float[] {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, -3.25f}, 2, 3));
        in.put("mask", bools(1, 0, 1));
        in.put("ids", Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 4));
        in.put("a.bias", Tensor.ofDoubles(new double[] {0.1, 2.0}, 2)); // narrowed to F32
        in.put("pos", Tensor.ofInts(new int[] {7, -8, Integer.MAX_VALUE}, 3));
        in.put("pixels", bytes(0, 127, 255));
        in.put("scalar", Tensor.scalar(42f));
        in.put("empty", Tensor.zeros(DType.F32, 0, 4));
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, in, DType.F32);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).containsExactlyElementsOf(in.keySet());
            Tensor w = st.read("z.weight");
            assertThat(w.dtype()).isEqualTo(DType.F32);
            assertThat(w.shape()).containsExactly(2, 3);
            float[] got = w.toFloats();
            float[] want = in.get("z.weight").toFloats();
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).isEqualTo(Float.floatToRawIntBits(want[i]));
            }
            assertThat(st.read("mask").dtype()).isEqualTo(DType.BOOL);
            assertThat(st.read("mask").toLongs()).containsExactly(1, 0, 1);
            assertThat(st.read("ids").dtype()).isEqualTo(DType.I64);
            assertThat(st.read("ids").toLongs()).containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
            assertThat(st.read("a.bias").dtype()).isEqualTo(DType.F32);
            assertThat(st.read("a.bias").toFloats()).containsExactly(0.1f, 2.0f);
            assertThat(st.read("pos").dtype()).isEqualTo(DType.I32);
            assertThat(st.read("pos").toLongs()).containsExactly(7, -8, Integer.MAX_VALUE);
            assertThat(st.read("pixels").toLongs()).containsExactly(0, 127, 255);
            assertThat(st.read("scalar").shape()).isEmpty();
            assertThat(st.read("scalar").toFloats()).containsExactly(42f);
            assertThat(st.read("empty").shape()).containsExactly(0, 4);
            assertThat(st.read("empty").data().remaining()).isZero();
            assertThat(st.info("ids")).get().satisfies(i -> {
                assertThat(i.dtype()).isEqualTo(DType.I64);
                assertThat(i.shape()).containsExactly(4);
            });
            assertThat(st.info("nope")).isEmpty();
            assertThat(st.metadata()).isEmpty();
            assertThat(w.data().isDirect()).isTrue();
            assertThat(w.data().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        }

        // Every tensor starts aligned to its element size, with no gaps between tensors.
        Layout l = layout(file);
        assertThat((8 + l.headerLength()) % 8).isZero();
        List<long[]> spans = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : l.header().properties()) {
            long begin = e.getValue().get("data_offsets").get(0).asLong();
            long end = e.getValue().get("data_offsets").get(1).asLong();
            int size = switch (e.getValue().get("dtype").asText()) {
                case "F32", "I32" -> 4;
                case "I64", "F64" -> 8;
                default -> 1;
            };
            assertThat(begin % size).as(e.getKey()).isZero();
            spans.add(new long[] {begin, end});
        }
        spans.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (int i = 1; i < spans.size(); i++) assertThat(spans.get(i)[0]).isEqualTo(spans.get(i - 1)[1]);
        assertThat(8 + l.headerLength() + spans.get(spans.size() - 1)[1]).isEqualTo(Files.size(file));
    }

    @Test
    void bf16WriteRoundsToNearestEven() throws IOException {
        // Float bits -> expected bf16 bits, worked out by hand.
        int[] floatBits = {
            0x3F800000, // 1.0 exact
            0x3F808000, // tie, upper half even -> stays 0x3F80
            0x3F818000, // tie, upper half odd -> rounds up to 0x3F82
            0x3F808001, // just above half -> 0x3F81
            0x3F807FFF, // just below half -> 0x3F80
            0xC0490FDB, // -pi -> 0xC049 (lower half 0x0FDB < 0x8000)
            0x7F7FFFFF, // max float rounds up to +inf
            0x80000000, // -0.0
        };
        int[] want = {0x3F80, 0x3F80, 0x3F82, 0x3F81, 0x3F80, 0xC049, 0x7F80, 0x8000};
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", floatsFromBits(floatBits));
        in.put("ids", Tensor.ofInts(new int[] {1, 2}, 2));
        in.put("already", new Tensor(DType.BF16, new long[] {2}, ByteBuffer.wrap(RawSafetensors.shorts(0x4049, 0xBF80))));
        Path file = dir.resolve("bf16.safetensors");
        SafetensorsWriter.write(file, in, DType.BF16);

        Layout l = layout(file);
        assertThat(l.header().get("w").get("dtype").asText()).isEqualTo("BF16");
        assertThat(l.header().get("ids").get("dtype").asText()).isEqualTo("I32");
        ByteBuffer raw = l.tensorBytes("w");
        for (int i = 0; i < want.length; i++) assertThat(raw.getShort(2 * i) & 0xffff).as("element %d", i).isEqualTo(want[i]);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Tensor w = st.read("w");
            assertThat(w.dtype()).isEqualTo(DType.BF16);
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(w.getFloat(i))).isEqualTo(want[i] << 16);
            }
            assertThat(st.read("ids").toLongs()).containsExactly(1, 2);
            assertThat(st.read("already").toFloats()).containsExactly(3.140625f, -1f);
        }
    }

    @Test
    void f16AndF64WritesRoundTrip() throws IOException {
        Map<String, Tensor> in = Map.of("x", Tensor.ofFloats(new float[] {1f, -2f, 0.5f, 65504f}, 4));
        Path f16 = dir.resolve("h.safetensors");
        Path f64 = dir.resolve("d.safetensors");
        SafetensorsWriter.write(f16, in, DType.F16);
        SafetensorsWriter.write(f64, in, DType.F64);
        ByteBuffer raw = layout(f16).tensorBytes("x");
        assertThat(new int[] {raw.getShort(0) & 0xffff, raw.getShort(2) & 0xffff, raw.getShort(4) & 0xffff, raw.getShort(6) & 0xffff})
                .containsExactly(0x3C00, 0xC000, 0x3800, 0x7BFF);
        try (WeightSource a = Safetensors.open(f16); WeightSource b = Safetensors.open(f64)) {
            assertThat(a.read("x").dtype()).isEqualTo(DType.F16);
            assertThat(a.read("x").toFloats()).containsExactly(1f, -2f, 0.5f, 65504f);
            assertThat(b.read("x").dtype()).isEqualTo(DType.F64);
            assertThat(b.read("x").toDoubles()).containsExactly(1d, -2d, 0.5d, 65504d);
        }
    }

    @Test
    void halfPrecisionWritesKeepNaNAndInfinities() throws IOException {
        // NaN (quiet, and a signalling payload that truncation alone would turn into an infinity), +-inf,
        // and a finite value each format rounds up to infinity
        int[] bits = {0x7FC00000, 0x7F800001, 0x7F800000, 0xFF800000, 0x477FF000};
        Map<String, Tensor> in = Map.of("x", floatsFromBits(bits));
        Path bf16 = dir.resolve("nan-bf16.safetensors");
        Path f16 = dir.resolve("nan-f16.safetensors");
        SafetensorsWriter.write(bf16, in, DType.BF16);
        SafetensorsWriter.write(f16, in, DType.F16);
        try (WeightSource a = Safetensors.open(bf16); WeightSource b = Safetensors.open(f16)) {
            float[] bv = a.read("x").toFloats();
            float[] hv = b.read("x").toFloats();
            assertThat(bv[0]).isNaN();
            assertThat(bv[1]).isNaN();
            assertThat(new float[] {bv[2], bv[3]}).containsExactly(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
            assertThat(bv[4]).isEqualTo(65536f);   // 65520 rounds up to bf16 0x4780, still finite
            assertThat(hv[0]).isNaN();
            assertThat(hv[1]).isNaN();
            assertThat(new float[] {hv[2], hv[3], hv[4]})
                    .containsExactly(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);   // past f16's 65504
        }
    }

    @Test
    void writeAsHeldKeepsEachTensorsOwnDtypeAndBytes() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("half", new Tensor(DType.F16, new long[] {2}, ByteBuffer.wrap(RawSafetensors.shorts(0x3C00, 0xC000))));
        in.put("brain", new Tensor(DType.BF16, new long[] {2}, ByteBuffer.wrap(RawSafetensors.shorts(0x4049, 0xBF80))));
        in.put("full", Tensor.ofFloats(new float[] {0.1f, -3f}, 2));
        in.put("ids", Tensor.ofLongs(new long[] {7, 8}, 2));
        Path file = dir.resolve("held.safetensors");
        SafetensorsWriter.writeAsHeld(file, in, Map.of("format", "pt"));

        Layout l = layout(file);
        assertThat(l.header().get("__metadata__").get("format").asText()).isEqualTo("pt");
        Map<String, String> dtypes = new LinkedHashMap<>();
        for (String n : in.keySet()) dtypes.put(n, l.header().get(n).get("dtype").asText());
        assertThat(dtypes).containsExactly(Map.entry("half", "F16"), Map.entry("brain", "BF16"), Map.entry("full", "F32"), Map.entry("ids", "I64"));
        for (String n : in.keySet()) {
            assertThat(l.tensorBytes(n)).as(n).isEqualTo(in.get(n).data().duplicate().clear().order(ByteOrder.LITTLE_ENDIAN));
        }
        try (WeightSource st = Safetensors.open(file)) {
            assertThat(st.read("half").toFloats()).containsExactly(1f, -2f);
            assertThat(st.read("brain").toFloats()).containsExactly(3.140625f, -1f);
            assertThat(st.read("full").toFloats()).containsExactly(0.1f, -3f);
        }
    }

    @Test
    void readsFilesWrittenByteByByte() throws IOException {
        Path file = new RawSafetensors()
                .metadata("format", "pt")
                .tensor("half", "F16", "[2,3]", RawSafetensors.shorts(0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0xFC00))
                .tensor("double", "F64", "[3]", RawSafetensors.doubles(Math.PI, -0.0, Double.MIN_VALUE))
                .tensor("long", "I64", "[2,1]", RawSafetensors.longs(Long.MIN_VALUE, 1L << 40))
                .tensor("int", "I32", "[1]", RawSafetensors.ints(-5))
                .tensor("bf", "BF16", "[2]", RawSafetensors.shorts(0x3F80, 0xC0A0))
                .tensor("f", "F32", "[]", RawSafetensors.floats(6.5f))
                .tensor("u", "U8", "[2]", new byte[] {(byte) 200, 3})
                .tensor("b", "BOOL", "[2]", new byte[] {1, 0})
                .write(dir.resolve("raw.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).containsExactly("half", "double", "long", "int", "bf", "f", "u", "b");
            assertThat(st.metadata()).containsExactly(Map.entry("format", "pt"));
            Tensor half = st.read("half");
            assertThat(half.dtype()).isEqualTo(DType.F16);
            assertThat(half.shape()).containsExactly(2, 3);
            assertThat(half.toFloats()).containsExactly(1f, -2f, 0.5f, 65504f, 0x1p-24f, Float.NEGATIVE_INFINITY);
            Tensor d = st.read("double");
            assertThat(d.dtype()).isEqualTo(DType.F64);
            assertThat(Double.doubleToRawLongBits(d.getDouble(1))).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(d.toDoubles()).containsExactly(Math.PI, -0.0, Double.MIN_VALUE);
            Tensor l = st.read("long");
            assertThat(l.dtype()).isEqualTo(DType.I64);
            assertThat(l.shape()).containsExactly(2, 1);
            assertThat(l.toLongs()).containsExactly(Long.MIN_VALUE, 1L << 40);
            assertThat(st.read("int").toLongs()).containsExactly(-5);
            assertThat(st.read("bf").toFloats()).containsExactly(1f, -5f);
            assertThat(st.read("f").rank()).isZero();
            assertThat(st.read("f").getFloat(0)).isEqualTo(6.5f);
            assertThat(st.read("u").toLongs()).containsExactly(200, 3);
            assertThat(st.read("b").dtype()).isEqualTo(DType.BOOL);
            // The view is zero-copy over the mapping, hence direct and read-only.
            assertThat(half.data().isDirect()).isTrue();
            assertThat(half.data().isReadOnly()).isTrue();
        }
    }

    @Test
    void acceptsHeaderPaddedWithSpaces() throws IOException {
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}" + " ".repeat(11);
        Path file = Files.write(dir.resolve("p.safetensors"), RawSafetensors.file(header, RawSafetensors.floats(2.5f)));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.read("x").toFloats()).containsExactly(2.5f);
        }
    }

    @Test
    void writerPadsHeaderWithSpacesToMultipleOfEight() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            Path file = dir.resolve("pad" + nameLength + ".safetensors");
            SafetensorsWriter.write(file, Map.of("n".repeat(nameLength), Tensor.scalar(1f)), DType.F32);
            byte[] all = Files.readAllBytes(file);
            int n = (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertThat(n % 8).isZero();
            String header = new String(all, 8, n, java.nio.charset.StandardCharsets.UTF_8);
            String trimmed = header.stripTrailing();
            assertThat(header.substring(trimmed.length())).matches(" {0,7}");
            assertThat(trimmed).endsWith("}");
            assertThat(all.length).isEqualTo(8 + n + 4);
        }
    }

    @Test
    void metadataRoundTrip() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("source", "ünïcödé \"quoted\" \\ and\nnewline");
        meta.put("empty", "");
        Path file = dir.resolve("meta.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensor.scalar(1f)), DType.BF16, meta);
        try (WeightSource st = Safetensors.open(file)) {
            assertThat(st.metadata()).containsExactlyEntriesOf(meta);
            assertThat(st.names()).containsExactly("w");
        }
        // __metadata__ is not a tensor and appears in the header as the format expects.
        assertThat(layout(file).header().get("__metadata__").get("format").asText()).isEqualTo("pt");
    }

    @Test
    void smallWindowsSplitMappingWithoutChangingValues() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) in.put("t" + i, Tensor.ofFloats(new float[] {i, i + 0.5f, -i}, 3));
        in.put("big", Tensor.ofFloats(new float[40], 40));
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, in, DType.F32);
        try (SafetensorsFile st = SafetensorsFile.open(file, 32)) {
            assertThat(st.windowCount()).isGreaterThan(1);
            for (int i = 0; i < 6; i++) assertThat(st.read("t" + i).toFloats()).containsExactly(i, i + 0.5f, -i);
            // 160 bytes cannot fit a 32-byte window, just as > 2 GB cannot fit a ByteBuffer.
            assertThat(st.info("big")).isPresent();
            assertThatThrownBy(() -> st.read("big")).isInstanceOf(WeightException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("'big'").hasMessageContaining("160 bytes");
        }
    }

    @Test
    void readAfterCloseFailsButEarlierViewsStayValid() throws IOException {
        Path file = dir.resolve("c.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensor.ofFloats(new float[] {3f, 4f}, 2)), DType.F32);
        SafetensorsFile st = SafetensorsFile.open(file);
        Tensor before = st.read("w");
        st.close();
        st.close(); // idempotent
        assertThat(before.toFloats()).containsExactly(3f, 4f);
        assertThatThrownBy(() -> st.read("w")).isInstanceOf(WeightException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("closed");
    }

    @Test
    void writerRejectsReservedNameAndIntegerTargetType() {
        Path file = dir.resolve("x.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("__metadata__", Tensor.scalar(1f)), DType.F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("a", Tensor.scalar(1f)), DType.I32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I32");
        assertThat(file).doesNotExist();
    }
}
