package dev.iris.runtime.graph;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void linearRuns() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L);
        Value w = g.constant(Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        g.output("y", g.linear(x, w, null));
        Map<String, Tensor> out = GraphHarness.run(g.build(), DType.F32, Map.of("x", Tensor.ofFloats(new float[] {1, 1, 1}, 1, 3)));
        assertThat(out.get("y").toFloats()).containsExactly(6f, 15f);
    }

    @Test
    void linearGradient() {
        GraphHarness.checkGradient(1, List.of(new long[] {2, 3}, new long[] {4, 3}, new long[] {4}),
                (g, w) -> g.linear(w.get(0), w.get(1), w.get(2)));
    }
}
