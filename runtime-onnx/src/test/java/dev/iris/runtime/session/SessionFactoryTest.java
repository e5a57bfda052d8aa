package dev.iris.runtime.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.train.TrainableGraph;
import dev.iris.runtime.weights.MapWeightSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compile + bind + open in one place: checkpointed groups bind from their file, the others initialise reproducibly. */
class SessionFactoryTest {
    private static final OrtRuntime CPU = OrtRuntime.cpu(1);
    private static final Map<String, Tensor> X = Map.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3));

    /** Group "m" has a checkpoint holding proj.weight [2, 3]. */
    private static SessionFactory factory(long seed) {
        MapWeightSource m = new MapWeightSource(Map.of("proj.weight", Tensor.ofFloats(new float[] {1, 0, 0, 0, 1, 1}, 2, 3)));
        return new SessionFactory(CPU, Map.of("m", m), seed);
    }

    /** y = x W^T with W from group "m"; gate = a weight of group "fusion" (no checkpoint) read out as is. */
    private static Graph graph(String extraInitialised) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L);
        g.output("y", g.linear(x, g.weight("m", "proj.weight", 2, 3), null));
        if (extraInitialised != null) g.output("extra", g.add(g.weight("fusion", extraInitialised, Init.normal(1.0), 5), 0.0));
        g.output("gate", g.add(g.weight("fusion", "gate", Init.normal(1.0), 4), 0.0));
        return g.build();
    }

    private static Map<String, Tensor> run(SessionFactory f, Graph graph) {
        try (GraphSession s = f.open(graph)) {
            return s.run(X);
        }
    }

    @Test
    void checkpointedWeightsComeFromTheirFile() {
        float[] y = run(factory(0), graph(null)).get("y").toFloats();

        assertThat(y).containsExactly(1f, 5f);   // [1, 0, 0] . [1, 2, 3] and [0, 1, 1] . [1, 2, 3]
    }

    @Test
    void aGroupWithoutCheckpointIsInitialisedTheSameInEveryGraphOpened() {
        SessionFactory f = factory(42);
        float[] first = run(f, graph(null)).get("gate").toFloats();
        float[] afterAnother = run(f, graph("a_bias")).get("gate").toFloats();   // another weight bound before or beside it
        float[] again = run(f, graph(null)).get("gate").toFloats();

        assertThat(first).doesNotContain(0f);
        assertThat(again).containsExactly(first);
        assertThat(run(f.withSeed(43), graph(null)).get("gate").toFloats()).isNotEqualTo(first);
        // a graph that also binds a_bias draws gate from the same fresh seed: no state carried over from earlier graphs
        assertThat(afterAnother).hasSize(4);
        assertThat(run(f, graph("a_bias")).get("gate").toFloats()).containsExactly(afterAnother);
    }

    @Test
    void aWeightMissingFromItsGroupsCheckpointIsNamed() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L);
        g.output("y", g.linear(x, g.weight("m", "other.weight", 2, 3), null));

        assertThatThrownBy(() -> factory(0).open(g.build()))
                .isInstanceOf(WeightException.class)
                .hasMessageContaining("other.weight");
    }

    @Test
    void quantizedInferenceStaysCloseToFloat() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 64L);
        g.output("y", g.linear(x, g.weight("q", "w", Init.normal(0.5), 16, 64), null));
        Graph graph = g.build();
        float[] in = new float[64];
        for (int i = 0; i < in.length; i++) in[i] = (i % 7) / 7f;
        Map<String, Tensor> feed = Map.of("x", Tensor.ofFloats(in, 1, 64));
        SessionFactory plain = new SessionFactory(CPU, Map.of(), 5);
        SessionFactory int8 = new SessionFactory(CPU, Map.of(), 5, CompiledGraph.Quantization.parse("int8"));
        float[] exact, quantized;
        try (GraphSession s = plain.open(graph)) {
            exact = s.run(feed).get("y").toFloats();
        }
        try (GraphSession s = int8.open(graph)) {
            quantized = s.run(feed).get("y").toFloats();
        }

        assertThat(quantized).isNotEqualTo(exact);   // the quantization was applied ...
        for (int i = 0; i < exact.length; i++) assertThat(quantized[i]).isCloseTo(exact[i], within(0.05f + 0.02f * Math.abs(exact[i])));
    }

    @Test
    void aTrainableGraphTakesItsParametersFromTheCheckpointAndHasGradients() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L);
        g.output("loss", g.sum(g.linear(x, g.weight("m", "proj.weight", 2, 3), null), false, 0, 1));

        try (TrainableGraph net = factory(0).openTrainable(g.build(), "loss", List.of("m/proj.weight"))) {
            assertThat(net.parameters().get("m/proj.weight").toFloats()).containsExactly(1, 0, 0, 0, 1, 1);
            TrainableGraph.Pass pass = net.forwardBackward(X);
            assertThat(pass.loss()).isCloseTo(6.0, within(1e-6));
            assertThat(pass.grads().get("m/proj.weight").toFloats()).containsExactly(1, 2, 3, 1, 2, 3);   // d sum(x W^T) / dW = x per row
        }
    }
}
