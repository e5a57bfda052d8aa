package dev.iris.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.FileWeight;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.runtime.train.TrainableGraph;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The converted-weight cache: written once, reused by later loads, rebuilt when the checkpoint
 * changes or the file is truncated or corrupt (never used then), and each weight given to
 * ONNX Runtime once however many sessions read it (the host's accounting of bound initializers).
 */
class WeightCacheTest {
    private static final OrtRuntime CPU = OrtRuntime.cpu(1);
    private static final int N = 4, K = 32;

    @TempDir
    Path dir;

    private float[] weights(long seed) {
        Random r = new Random(seed);
        float[] w = new float[N * K];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    /** A bf16 checkpoint (as models are published), so the cache holds a widened float32 copy. */
    private Path checkpoint(float[] w) {
        Path file = dir.resolve("model").resolve(Safetensors.SINGLE_FILE);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        SafetensorsWriter.write(file, Map.of("proj.weight", Tensor.ofFloats(w, N, K)), DType.BF16);
        return file;
    }

    /** y = x W^T, and (second graph) z = 2 x W^T: two graphs reading the same weight. */
    private static Graph graph(boolean doubled) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", (long) K);
        Value y = g.linear(x, g.weight("m", "proj.weight", N, K), null);
        g.output("y", doubled ? g.add(y, y) : y);
        return g.build();
    }

    private static float[] input() {
        float[] x = new float[K];
        for (int i = 0; i < K; i++) x[i] = (i % 7) - 3;
        return x;
    }

    /** x W^T in plain Java, with W rounded to bf16 as the checkpoint stores it. */
    private static float[] reference(float[] w) {
        Tensor stored = Tensor.ofFloats(w, N, K).toFloating(DType.BF16).toFloating(DType.F32);
        float[] x = input(), y = new float[N];
        for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) y[n] += x[k] * stored.getFloat((long) n * K + k);
        return y;
    }

    private record Run(float[] y, WeightCache cache) {}

    private Run load(Path checkpoint, WeightCache cache, CompiledGraph.Quantization q) {
        try (WeightSource src = Safetensors.open(checkpoint)) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, q, cache);
            try (GraphSession s = f.open(graph(false))) {
                return new Run(s.run(Map.of("x", Tensor.ofFloats(input(), 1, K))).get("y").toFloats(), cache);
            }
        }
    }

    private Path cacheDir() {
        return dir.resolve("cache");
    }

    private Path cacheFile() throws IOException {
        try (Stream<Path> s = Files.list(cacheDir())) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".weights")).toList();
            assertThat(files).hasSize(1);
            return files.get(0);
        }
    }

    @Test
    void theFirstLoadConvertsAndLaterLoadsReuseTheFile() throws IOException {
        float[] w = weights(1);
        Path ckpt = checkpoint(w);

        Run first = load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);
        long written = Files.getLastModifiedTime(cacheFile()).toMillis();
        Run second = load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);

        assertThat(first.cache().conversions()).isEqualTo(1);
        assertThat(second.cache().conversions()).isZero();
        assertThat(second.cache().reuses()).isEqualTo(1);
        assertThat(Files.getLastModifiedTime(cacheFile()).toMillis()).isEqualTo(written);
        float[] want = reference(w);
        for (int i = 0; i < N; i++) {
            assertThat(first.y()[i]).isCloseTo(want[i], within(1e-4f));
            assertThat(second.y()[i]).isEqualTo(first.y()[i]);
        }
    }

    @Test
    void aChangedCheckpointInvalidatesTheFile() throws IOException {
        Path ckpt = checkpoint(weights(1));
        load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);

        float[] changed = weights(2);
        checkpoint(changed);   // same names and shapes: only the data (and the file's time) differ
        Files.setLastModifiedTime(ckpt, FileTime.fromMillis(Files.getLastModifiedTime(ckpt).toMillis() + 5_000));
        Run after = load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);

        assertThat(after.cache().conversions()).isEqualTo(1);
        float[] want = reference(changed);
        for (int i = 0; i < N; i++) assertThat(after.y()[i]).isCloseTo(want[i], within(1e-4f));
    }

    @Test
    void aCorruptFileIsDetectedAndRebuiltNeverUsed() throws IOException {
        float[] w = weights(3);
        Path ckpt = checkpoint(w);
        load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);
        Path file = cacheFile();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // the first weight's first float, at the first page boundary: +1e6 would change y a lot if used
            raf.seek(CacheFile.ALIGN + 2);
            raf.write(0x7f);
        }

        Run after = load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);

        assertThat(after.cache().conversions()).isEqualTo(1);
        assertThat(after.cache().reuses()).isZero();
        float[] want = reference(w);
        for (int i = 0; i < N; i++) assertThat(after.y()[i]).isCloseTo(want[i], within(1e-4f));
        assertThat(load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE).cache().reuses()).isEqualTo(1);
    }

    @Test
    void aTruncatedFileIsDetectedAndRebuilt() throws IOException {
        float[] w = weights(4);
        Path ckpt = checkpoint(w);
        load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);
        Path file = cacheFile();
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size - 100);
        }

        Run after = load(ckpt, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE);

        assertThat(after.cache().conversions()).isEqualTo(1);
        assertThat(Files.size(cacheFile())).isEqualTo(size);
        float[] want = reference(w);
        for (int i = 0; i < N; i++) assertThat(after.y()[i]).isCloseTo(want[i], within(1e-4f));
    }

    @Test
    void aFrozenWeightIsGivenToOnnxRuntimeOnceForAllSessionsOfAModel() {
        Path ckpt = checkpoint(weights(5));
        try (WeightSource src = Safetensors.open(ckpt)) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, CompiledGraph.Quantization.NONE, WeightCache.in(cacheDir()));
            try (GraphSession a = f.open(graph(false)); GraphSession b = f.open(graph(true))) {
                FileWeight wa = a.fileInitializers().get("m/proj.weight"), wb = b.fileInitializers().get("m/proj.weight");
                assertThat(wa).as("read from the cache file, not copied through Java").isNotNull();
                assertThat(wb.file()).isEqualTo(wa.file());
                assertThat(wb.offset()).isEqualTo(wa.offset());
                assertThat(a.memoryInitializerBytes()).isEmpty();
                assertThat(b.memoryInitializerBytes()).isEmpty();
                assertThat(f.weightBytesHeld()).isEqualTo((long) N * K * 4);
                assertThat(f.cache().conversions()).isEqualTo(1);
                float[] y = a.run(Map.of("x", Tensor.ofFloats(input(), 1, K))).get("y").toFloats();
                float[] z = b.run(Map.of("x", Tensor.ofFloats(input(), 1, K))).get("y").toFloats();
                for (int i = 0; i < N; i++) assertThat(z[i]).isCloseTo(2 * y[i], within(1e-5f));
            }
        }
    }

    /**
     * A training session reads its frozen weights from the same cache file as inference (as a
     * frozen LLM in stage 1 or a LoRA base does): held once, not converted in memory and copied.
     */
    @Test
    void aTrainingSessionReadsItsFrozenWeightsFromTheCacheFileInferenceReads() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", (long) K);
        Value y = g.linear(x, g.weight("m", "proj.weight", N, K), null);
        g.output("loss", g.sum(g.mul(y, g.weight("t", "v", Init.normal(1.0), N)), false, 0, 1));
        try (WeightSource src = Safetensors.open(checkpoint(weights(6)))) {
            SessionFactory f = new SessionFactory(CPU, Map.of("m", src), 0, CompiledGraph.Quantization.NONE, WeightCache.in(cacheDir()));
            try (GraphSession inference = f.open(graph(false));
                 TrainableGraph train = f.openTrainable(g.build(), "loss", List.of("t/v"), 1)) {
                assertThat(f.weightBytesHeld()).as("one file range for both sessions").isEqualTo((long) N * K * 4);
                assertThat(f.cache().conversions()).isEqualTo(1);
                Map<String, Tensor> feed = Map.of("x", Tensor.ofFloats(input(), 1, K));
                float[] want = inference.run(feed).get("y").toFloats();
                float[] grad = train.forwardBackward(feed).grads().get("t/v").toFloats();   // d sum(y * v) / dv = y
                for (int i = 0; i < N; i++) assertThat(grad[i]).isCloseTo(want[i], within(1e-5f));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"blocks", "per-channel"})
    void quantizedCodesAreCachedAndGiveWhatInMemoryQuantizationGives(String layout) throws IOException {
        Path ckpt = checkpoint(weights(6));
        CompiledGraph.Quantization q8 = layout.equals("blocks") ? new CompiledGraph.Quantization(8, 16, 0)
                : CompiledGraph.Quantization.PER_CHANNEL_INT8;

        Run inMemory = load(ckpt, WeightCache.off(), q8);
        Run converted = load(ckpt, WeightCache.in(cacheDir()), q8);
        Run reused = load(ckpt, WeightCache.in(cacheDir()), q8);

        assertThat(converted.cache().conversions()).isEqualTo(1);
        assertThat(reused.cache().conversions()).isZero();
        assertThat(cacheFile().getFileName().toString()).contains(layout.equals("blocks") ? ".q8b16v" : ".q8b0v");
        assertThat(converted.y()).containsExactly(inMemory.y());
        assertThat(reused.y()).containsExactly(inMemory.y());
    }

    @Test
    void aMisshapenTensorIsNamedAndNothingIsCached() {
        // the checkpoint holds proj.weight as [N, K + 1]; the graph asks for [N, K]
        Path file = dir.resolve("model").resolve(Safetensors.SINGLE_FILE);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        SafetensorsWriter.write(file, Map.of("proj.weight", Tensor.ofFloats(new float[N * (K + 1)], N, K + 1)), DType.BF16);
        assertThatThrownBy(() -> load(file, WeightCache.in(cacheDir()), CompiledGraph.Quantization.NONE))
                .hasMessageContaining("weight proj.weight in")
                .hasMessageContaining("has shape [" + N + ", " + (K + 1) + "], the model expects [" + N + ", " + K + "]");
        // no cache file (or half-written temporary) is left behind
        if (Files.exists(cacheDir())) {
            try (Stream<Path> s = Files.walk(cacheDir())) {
                assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }
}
