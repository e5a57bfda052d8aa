package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.LoraRewrite;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dropout masks fed to a LoRA training graph: shapes from the batch, values, rate and reproducibility. */
class LoraDropoutTest {
    private static Graph graph(String symbol) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value x = g.input("x", DType.F32, "batch", symbol, 32L);
        g.output("y", g.linear(x, g.weight("llm", "layer.q_proj.weight", 8, 32), null));
        g.output("ids", ids);
        return LoraRewrite.apply(g.build(), "llm", new LoraRewrite.Spec(2, 2, List.of("q_proj")), true).graph();
    }

    @Test
    void masksTakeTheBatchsSizesDropAboutPAndRepeatForTheSameStepAndPass() {
        LoraDropout d = new LoraDropout(graph("seq"), 0.25, 7);
        Map<String, Tensor> feeds = Map.of("ids", Tensor.ofLongs(new long[3 * 50], 3, 50), "x", Tensor.zeros(DType.F32, 3, 50, 32));
        Tensor m = d.withMasks(feeds, 4, 1).get(LoraRewrite.DROPOUT_INPUT + "layer.q_proj");
        assertThat(m.shape()).containsExactly(3, 50, 32);
        float[] v = m.toFloats();
        long zeros = 0;
        for (float f : v) {
            assertThat(f).isIn(0f, (float) (1 / 0.75));
            if (f == 0) zeros++;
        }
        assertThat(zeros / (double) v.length).isBetween(0.22, 0.28);
        assertThat(d.withMasks(feeds, 4, 1).get(LoraRewrite.DROPOUT_INPUT + "layer.q_proj").toFloats()).containsExactly(v);
        assertThat(d.withMasks(feeds, 5, 1).get(LoraRewrite.DROPOUT_INPUT + "layer.q_proj").toFloats()).isNotEqualTo(v);
        assertThat(d.withMasks(feeds, 4, 0).get(LoraRewrite.DROPOUT_INPUT + "layer.q_proj").toFloats()).isNotEqualTo(v);
    }
}
