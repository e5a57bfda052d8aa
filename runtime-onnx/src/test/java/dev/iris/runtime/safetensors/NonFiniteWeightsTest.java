package dev.iris.runtime.safetensors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.WeightBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A checkpoint holding NaN or infinity is refused when bound, naming the tensor, its file and the element. */
class NonFiniteWeightsTest {
    @TempDir
    Path dir;

    private static Graph graph(long n) {
        GraphBuilder g = new GraphBuilder();
        g.output("w", g.weight("m", "proj.weight", n));
        return g.build();
    }

    private static void assertRefused(WeightSource src, long n, String message) {
        assertThatThrownBy(() -> new WeightBinder(Map.of("m", src), 0).bindAll(graph(n), DType.F32))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void byteBuiltBf16F16AndF32FilesNameTheBadElement() throws IOException {
        Path bf = new RawSafetensors().tensor("proj.weight", "BF16", "[5]", RawSafetensors.shorts(0x3F80, 0, 0x4000, 0x7FC1, 0x3F80))
                .write(dir.resolve("bf.safetensors"));
        Path f16 = new RawSafetensors().tensor("proj.weight", "F16", "[5]", RawSafetensors.shorts(0x3C00, 0x7BFF, 0xFC00, 0, 0))
                .write(dir.resolve("f16.safetensors"));
        Path f32 = new RawSafetensors().tensor("proj.weight", "F32", "[5]", RawSafetensors.floats(1, 2, 3, 4, Float.POSITIVE_INFINITY))
                .write(dir.resolve("f32.safetensors"));
        try (WeightSource a = Safetensors.open(bf); WeightSource b = Safetensors.open(f16); WeightSource c = Safetensors.open(f32)) {
            assertRefused(a, 5, "weight proj.weight in " + bf + " holds a non-finite value: element 3 of 5 is NaN");
            assertRefused(b, 5, "weight proj.weight in " + f16 + " holds a non-finite value: element 2 of 5 is -Infinity");
            assertRefused(c, 5, "weight proj.weight in " + f32 + " holds a non-finite value: element 4 of 5 is +Infinity");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void filesFromTheProjectsWriterNameTheShardHoldingTheTensor(DType stored) throws IOException {
        float[] v = new float[1000];
        v[777] = Float.NaN;
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        SafetensorsWriter.write(folder.resolve("a.safetensors"), Map.of("other.weight", Tensor.ofFloats(new float[] {1}, 1)), stored);
        SafetensorsWriter.write(folder.resolve("b.safetensors"), Map.of("proj.weight", Tensor.ofFloats(v, 1000)), stored);
        try (WeightSource src = Safetensors.open(folder)) {
            assertRefused(src, 1000, "weight proj.weight in " + folder.resolve("b.safetensors") + " holds a non-finite value: element 777 of 1000 is NaN");
        }
    }
}
