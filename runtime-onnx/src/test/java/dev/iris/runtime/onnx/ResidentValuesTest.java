package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Outputs kept in ONNX Runtime feed later runs (a decoder's KV cache) and read the same as copied ones. */
class ResidentValuesTest {

    /** state' = concat(state, x * 2) along the last axis; y = sum of state'. */
    private static GraphSession session() {
        GraphBuilder g = new GraphBuilder();
        Value state = g.input("state", DType.F32, 1L, "n");
        Value x = g.input("x", DType.F32, 1L, 1L);
        Value next = g.concat(1, state, g.mul(x, 2.0));
        g.output("next", next);
        g.output("sum", g.sum(next, false, 1));
        return OrtRuntime.cpu(1).open(OnnxCompiler.compile(g.build(), DType.F32, List.of()), Map.of());
    }

    @Test
    void residentOutputsFeedLaterRunsWithoutLeavingOnnxRuntime() {
        try (GraphSession s = session()) {
            List<String> all = s.graph().outputs();
            GraphSession.Outputs out = s.run(Map.of("state", Tensor.zeros(DType.F32, 1, 0), "x", Tensor.ofFloats(new float[] {1}, 1, 1)),
                    Map.of(), all, Set.of("next"));
            GraphSession.Resident state = out.resident().get("next");
            assertThat(out.copied()).containsOnlyKeys("sum");
            for (int i = 2; i <= 4; i++) {
                GraphSession.Outputs o = s.run(Map.of("x", Tensor.ofFloats(new float[] {i}, 1, 1)), Map.of("state", state), all, Set.of("next"));
                state.close();   // the fed value stays open until its owner closes it
                state = o.resident().get("next");
                assertThat(o.copied().get("sum").getFloat(0)).isEqualTo(2f * (i * (i + 1) / 2));
            }
            assertThat(state.shape()).containsExactly(1, 4);
            assertThat(state.copy().toFloats()).containsExactly(2, 4, 6, 8);
            // the plain run copies everything, as before
            assertThat(s.run(Map.of("state", state.copy(), "x", Tensor.ofFloats(new float[] {5}, 1, 1))).get("next").toFloats())
                    .containsExactly(2, 4, 6, 8, 10);
            GraphSession.Resident wrong = state;
            assertThatThrownBy(() -> s.run(Map.of("state", Tensor.zeros(DType.F32, 1, 0)), Map.of("x", wrong), all, Set.of()))
                    .hasMessageContaining("input 'x' must have shape");
            state.close();
        }
    }
}
