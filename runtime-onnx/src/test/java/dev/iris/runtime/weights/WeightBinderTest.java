package dev.iris.runtime.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightBinderTest {

    private static Graph graph() {
        GraphBuilder g = new GraphBuilder();
        g.output("a", g.weight("llm", "model.norm.weight", 4));
        g.output("b", g.weight("fusion", "linear1.bias", Init.constant(0.5), 3));
        return g.build();
    }

    @Test
    void bindsByNameConvertingBf16AndInitialisesTheRest() {
        Tensor bf = Tensor.ofFloats(new float[] {1f, -2f, 0.5f, 3f}, 4).toFloating(DType.BF16);
        WeightBinder binder = new WeightBinder(Map.of("llm", new MapWeightSource(Map.of("model.norm.weight", bf))), 0);
        Map<String, Tensor> bound = binder.bindAll(graph(), DType.F32);
        assertThat(bound.get("llm/model.norm.weight").dtype()).isEqualTo(DType.F32);
        assertThat(bound.get("llm/model.norm.weight").toFloats()).containsExactly(1f, -2f, 0.5f, 3f);
        assertThat(bound.get("fusion/linear1.bias").toFloats()).containsExactly(0.5f, 0.5f, 0.5f);
    }

    @Test
    void missingWeightIsNamedWithItsCheckpoint() {
        WeightBinder binder = new WeightBinder(Map.of("llm", new MapWeightSource(Map.of(), Map.of(), "models/qwen/model.safetensors")), 0);
        assertThatThrownBy(() -> binder.bindAll(graph(), DType.F32))
                .isInstanceOf(WeightException.class)
                .hasMessage("missing weight model.norm.weight: it is not in models/qwen/model.safetensors");
        assertThatThrownBy(() -> new WeightBinder(Map.of(), 0).bindAll(graph(), DType.F32))
                .hasMessage("missing weight model.norm.weight: no checkpoint was given for group 'llm'");
    }

    @Test
    void wrongShapeNamesBothShapes() {
        WeightBinder binder = new WeightBinder(Map.of("llm", new MapWeightSource(
                Map.of("model.norm.weight", Tensor.zeros(DType.F32, 2, 2)), Map.of(), "ckpt")), 0);
        assertThatThrownBy(() -> binder.bindAll(graph(), DType.F32))
                .hasMessage("weight model.norm.weight in ckpt has shape [2, 2], the model expects [4]");
    }

    @Test
    void aGroupWithACheckpointNeverInitialisesAWeightItLacks() {
        // linear1.bias declares an initialiser, but a checkpoint was given for its group: it must come from there
        WeightBinder binder = new WeightBinder(Map.of(
                "llm", new MapWeightSource(Map.of("model.norm.weight", Tensor.zeros(DType.F32, 4))),
                "fusion", new MapWeightSource(Map.of("linear1.weight", Tensor.zeros(DType.F32, 3)), Map.of(), "fusion.safetensors")), 0);
        assertThatThrownBy(() -> binder.bindAll(graph(), DType.F32))
                .isInstanceOf(WeightException.class)
                .hasMessage("missing weight linear1.bias: it is not in fusion.safetensors");
    }
}
