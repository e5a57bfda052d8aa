package dev.iris.runtime.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Frozen weights go from a memory-mapped safetensors file to ONNX Runtime's external initializers. */
class CheckpointBindingTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void frozenWeightsFromSafetensorsRunInOrt(DType stored, @TempDir Path dir) {
        float[] w = {0.5f, -1.25f, 2f, 0.75f, -0.5f, 1.5f};
        float[] b = {0.25f, -2f};
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("proj.weight", Tensor.ofFloats(w, 2, 3));
        tensors.put("proj.bias", Tensor.ofFloats(b, 2));
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, stored);

        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L);
        g.output("y", g.linear(x, g.weight("m", "proj.weight", 2, 3), g.weight("m", "proj.bias", 2)));
        Graph graph = g.build();
        try (WeightSource src = Safetensors.open(dir)) {
            assertThat(src.read("proj.weight").data().isDirect()).isTrue();   // a view on the mapping, not a heap copy
            CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of());
            Map<String, Tensor> frozen = new WeightBinder(Map.of("m", src), 0).bind(graph, cg.frozen().keySet(), DType.F32);
            try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
                float[] y = s.run(Map.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3))).get("y").toFloats();
                // 0.5 - 2.5 + 6 + 0.25 = 4.25 ; 0.75 - 1 + 4.5 - 2 = 2.25 (all values exact in bf16)
                assertThat(y[0]).isCloseTo(4.25f, within(1e-6f));
                assertThat(y[1]).isCloseTo(2.25f, within(1e-6f));
            }
        }
    }
}
