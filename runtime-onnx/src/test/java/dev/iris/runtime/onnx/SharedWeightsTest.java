package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sessions of graphs with trainable parameters compute on the host's frozen-weight buffers (no
 * copy); inference sessions get copies, so the host's buffers may go once they are created.
 */
class SharedWeightsTest {

    /** y = x * frozen + trainable, elementwise over 4 values. */
    private static CompiledGraph compile(List<String> trainable) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 4L);
        g.output("y", g.add(g.mul(x, g.weight("f", "scale", 4)), g.weight("t", "shift", 4)));
        return OnnxCompiler.compile(g.build(), DType.F32, trainable);
    }

    @Test
    void trainingSessionsReadTheHostBuffersForAsLongAsTheyLive() {
        CompiledGraph training = compile(List.of("t/shift"));
        assertThat(OrtRuntime.sharesWeights(training)).isTrue();
        Tensor scale = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4);
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new float[] {1, 1, 1, 1}, 4), "t/shift", Tensor.zeros(DType.F32, 4));
        try (GraphSession s = OrtRuntime.cpu(1).open(training, Map.of("f/scale", scale))) {
            for (int i = 0; i < 3; i++) System.gc();   // the session keeps the buffer reachable
            assertThat(s.run(feeds).get("y").toFloats()).containsExactly(1, 2, 3, 4);
            scale.data().putFloat(0, 10f);             // no copy: the session sees the change
            assertThat(s.run(feeds).get("y").toFloats()).containsExactly(10, 2, 3, 4);
        }
        CompiledGraph inference = compile(List.of());
        assertThat(OrtRuntime.sharesWeights(inference)).isFalse();
        Tensor scale2 = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4);
        try (GraphSession s = OrtRuntime.cpu(1).open(compile(List.of()), Map.of("f/scale", scale2, "t/shift", Tensor.zeros(DType.F32, 4)))) {
            scale2.data().putFloat(0, 10f);            // copied when the session was made
            assertThat(s.run(Map.of("x", Tensor.ofFloats(new float[] {1, 1, 1, 1}, 4))).get("y").toFloats()).containsExactly(1, 2, 3, 4);
        }
    }
}
