package dev.iris.runtime.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.cache.WeightCache;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.onnx.WeightQuantizer;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.runtime.weights.QuantizedSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Saved quantized weights (iris quantize): written from the sessions' codes, read back as stored, floats on demand. */
class QuantizedExportTest {
    static final OrtRuntime CPU = OrtRuntime.cpu(1);
    static final int N = 24, K = 64;

    @TempDir
    Path dir;

    private static Graph linear() {
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, "batch", (long) K);
        g.output("y", g.linear(in, g.weight("m", "proj.weight", N, K), g.weight("m", "proj.bias", N)));
        return g.build();
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private float[] run(WeightSource source, Quantization q, Path cache, float[] x) {
        SessionFactory f = new SessionFactory(CPU, Map.of("m", source), 0, q, WeightCache.in(cache));
        try (GraphSession s = f.open(linear())) {
            return s.run(Map.of("x", Tensor.ofFloats(x, 1, K))).get("y").toFloats();
        }
    }

    /** A tied head (the embedding table is the LM head) and an untied table, as a decoder reads them. */
    private static Graph tables() {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value tied = g.weight("m", "tied", N, K);
        Value h = g.add(g.gather(tied, ids), g.gather(g.weight("m", "embed", 5, K), ids));
        g.output("rows", h);
        g.output("logits", g.linear(h, tied, null));
        return g.build();
    }

    private static Map<String, Tensor> runTables(WeightSource source, Quantization q, Path cache) {
        SessionFactory f = new SessionFactory(CPU, Map.of("m", source), 0, q, WeightCache.in(cache));
        try (GraphSession s = f.open(tables())) {
            return s.run(Map.of("ids", Tensor.ofLongs(new long[] {0, 4, 2}, 1, 3)));
        }
    }

    /**
     * Embedding tables, tied or not, are read as codes by the inference graphs: iris quantize
     * writes them as codes only, and a folder written before (the tied table's float beside its
     * codes) still loads, its float unused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4", "int8_channel"})
    void tablesAreWrittenAsCodesOnly(String spec) throws Exception {
        Quantization q = Quantization.parse(spec);
        Random r = new Random(spec.hashCode() + 1);
        Tensor tied = Tensor.ofFloats(random(r, N * K), N, K), embed = Tensor.ofFloats(random(r, 5 * K), 5, K);
        Path original = dir.resolve("original.safetensors"), saved = dir.resolve("saved.safetensors");
        SafetensorsWriter.write(original, Map.of("tied", tied, "embed", embed), DType.F32);
        Map<String, Tensor> expected;
        try (WeightSource src = Safetensors.open(original)) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, q, WeightCache.in(dir.resolve("cache-a")));
            try (GraphSession s = f.open(tables())) {
                expected = s.run(Map.of("ids", Tensor.ofLongs(new long[] {0, 4, 2}, 1, 3)));
                QuantizedExport.Written written = QuantizedExport.write(f, q, "m", src, saved);
                assertThat(written.quantized()).isEqualTo(2);
                assertThat(written.floats()).isZero();
            }
        }
        try (WeightSource loaded = Safetensors.open(saved)) {
            assertThat(loaded.names()).containsExactlyInAnyOrder("tied", "embed");
            Map<String, Tensor> again = runTables(loaded, q, dir.resolve("cache-b"));
            assertThat(again.get("rows").toFloats()).containsExactly(expected.get("rows").toFloats());
            assertThat(again.get("logits").toFloats()).containsExactly(expected.get("logits").toFloats());
        }
        // a folder of an earlier iris quantize: the tied table's float copy beside its codes
        Map<String, Tensor> older = new LinkedHashMap<>();
        try (WeightSource loaded = Safetensors.open(saved)) {
            older.put("tied", tied);
            for (String t : new String[] {"tied", "embed"}) {
                older.put(Quantization.codes(t), loaded.read(Quantization.codes(t)));
                older.put(Quantization.scales(t), loaded.read(Quantization.scales(t)));
            }
            Path old = dir.resolve("older.safetensors");
            SafetensorsWriter.write(old, older, DType.F32, loaded.metadata());
            try (WeightSource o = Safetensors.open(old)) {
                assertThat(runTables(o, q, dir.resolve("cache-c")).get("logits").toFloats()).containsExactly(expected.get("logits").toFloats());
            }
        }
    }

        @ParameterizedTest
    @ValueSource(strings = {"int8", "int4", "int8_channel"})
    void writtenCodesLoadAsStoredAndAsFloats(String spec) throws Exception {
        Quantization q = Quantization.parse(spec);
        Random r = new Random(spec.hashCode());
        float[] w = random(r, N * K), b = random(r, N), x = random(r, K);
        Path original = dir.resolve("original.safetensors");
        SafetensorsWriter.write(original, Map.of("proj.weight", Tensor.ofFloats(w, N, K), "proj.bias", Tensor.ofFloats(b, N)), DType.F32);

        // quantize once: open the sessions in the format, then write what they read
        Path saved = dir.resolve("saved.safetensors");
        float[] expected;
        try (WeightSource src = Safetensors.open(original)) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, q, WeightCache.in(dir.resolve("cache-a")));
            try (GraphSession s = f.open(linear())) {
                expected = s.run(Map.of("x", Tensor.ofFloats(x, 1, K))).get("y").toFloats();
                QuantizedExport.Written written = QuantizedExport.write(f, q, "m", src, saved);
                assertThat(written.quantized()).isEqualTo(1);
                assertThat(written.floats()).isEqualTo(1);   // the bias
            }
        }

        try (WeightSource loaded = Safetensors.open(saved)) {
            assertThat(loaded).isInstanceOf(QuantizedSource.class);
            assertThat(loaded.metadata()).containsEntry(QuantizedSource.WEIGHTS_KEY, spec);
            // the weight's own name is served, as floats the codes stand for
            assertThat(loaded.names()).containsExactlyInAnyOrder("proj.weight", "proj.bias");
            assertThat(loaded.info("proj.weight").orElseThrow().shape()).containsExactly(N, K);
            float[] floats = loaded.read("proj.weight").toFloats();
            for (int i = 0; i < w.length; i++) assertThat((double) floats[i]).isCloseTo(w[i], within(q.bits() == 4 ? 0.5 : 0.1));
            // the same format gives the same outputs as the quantizing load
            assertThat(run(loaded, q, dir.resolve("cache-b"), x)).containsExactly(expected);
            // fp32 reads the dequantized floats
            float[] fp32 = run(loaded, Quantization.NONE, dir.resolve("cache-c"), x);
            double scale = 0;
            for (float v : expected) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < N; i++) assertThat((double) fp32[i]).isCloseTo(expected[i], within(0.03 * scale));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4"})
    void savedCodesAreUsedAsStoredNotQuantizedAgain(String spec) {
        // a file whose codes stand for other weights than its floats: the session must compute with the codes
        Quantization q = Quantization.parse(spec);
        Random r = new Random(7);
        float[] floats = random(r, N * K), other = random(r, N * K), b = random(r, N), x = random(r, K);
        int block = q.blockFor(K);
        WeightQuantizer.Quantized codes = WeightQuantizer.quantize(Tensor.ofFloats(other, N, K), q.bits(), block);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("proj.weight", Tensor.ofFloats(floats, N, K));
        tensors.put(Quantization.codes("proj.weight"), codes.codes());
        tensors.put(Quantization.scales("proj.weight"), codes.scales());
        tensors.put("proj.bias", Tensor.ofFloats(b, N));
        Path file = dir.resolve("odd.safetensors");
        SafetensorsWriter.write(file, tensors, DType.F32, Map.of(QuantizedSource.WEIGHTS_KEY, spec,
                QuantizedSource.LAYOUT_KEY, String.valueOf(FrozenWeights.QUANTIZER_FORMAT)));
        float[] dq = WeightQuantizer.dequantize(codes, q.bits(), block, N, K);
        try (WeightSource src = Safetensors.open(file)) {
            float[] y = run(src, q, dir.resolve("cache"), x);
            double scale = 0;
            for (float v : y) scale = Math.max(scale, Math.abs(v));
            for (int o = 0; o < N; o++) {
                double want = b[o];
                for (int k = 0; k < K; k++) want += x[k] * dq[o * K + k];
                assertThat((double) y[o]).isCloseTo(want, within(0.03 * scale));
            }
        }
    }

    @Test
    void perChannelCodesOfLayoutOneLoadAsTheirFloats() {
        // iris quantize before layout 2 wrote per-channel codes as int8 values in [-63, 63] [K, N]:
        // such a folder is not used as stored (the layout differs) but read dequantized and quantized again
        Random r = new Random(11);
        float[] b = random(r, N), x = random(r, K), scales = new float[N], w = new float[N * K];
        java.nio.ByteBuffer codes = Tensor.allocate((long) K * N);
        for (int o = 0; o < N; o++) {
            scales[o] = 0.01f + r.nextFloat() * 0.02f;
            for (int k = 0; k < K; k++) {
                int v = r.nextInt(127) - 63;
                codes.put(k * N + o, (byte) v);
                w[o * K + k] = v * scales[o];
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(Quantization.codes("proj.weight"), new Tensor(DType.I8, new long[] {K, N}, codes));
        tensors.put(Quantization.scales("proj.weight"), Tensor.ofFloats(scales, N));
        tensors.put("proj.bias", Tensor.ofFloats(b, N));
        Path file = dir.resolve("layout1.safetensors");
        SafetensorsWriter.write(file, tensors, DType.F32, Map.of(QuantizedSource.WEIGHTS_KEY, "int8_channel", QuantizedSource.LAYOUT_KEY, "1"));
        try (WeightSource src = Safetensors.open(file)) {
            float[] y = run(src, Quantization.NONE, dir.resolve("cache-f"), x);
            float[] yq = run(src, Quantization.parse("int8_channel"), dir.resolve("cache-q"), x);
            double scale = 0;
            for (float v : y) scale = Math.max(scale, Math.abs(v));
            for (int o = 0; o < N; o++) {
                double want = b[o];
                for (int k = 0; k < K; k++) want += x[k] * w[o * K + k];
                assertThat((double) y[o]).isCloseTo(want, within(1e-4 * (1 + Math.abs(want))));
                assertThat((double) yq[o]).isCloseTo(want, within(0.03 * scale));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "int8"})
    void exportNeedsCodesInTheWeightCache(String spec) throws Exception {
        Quantization q = Quantization.parse(spec);
        Path original = dir.resolve("w.safetensors");
        SafetensorsWriter.write(original, Map.of("proj.weight", Tensor.zeros(DType.F32, N, K), "proj.bias", Tensor.zeros(DType.F32, N)), DType.F32);
        try (WeightSource src = Safetensors.open(original)) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, q, WeightCache.off());
            try (GraphSession s = f.open(linear())) {
                assertThatThrownBy(() -> QuantizedExport.write(f, q, "m", src, dir.resolve("out.safetensors")))
                        .isInstanceOf(IrisException.class).hasMessageContaining(q.enabled() ? "IRIS_WEIGHT_CACHE" : "not fp32");
            }
        }
        assertThat(Files.exists(dir.resolve("out.safetensors"))).isFalse();
    }
}
