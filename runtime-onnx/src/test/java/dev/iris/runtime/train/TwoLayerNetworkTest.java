package dev.iris.runtime.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.WeightBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A two-layer network trained end to end by the runtime: the gradient graph runs in ONNX Runtime. */
class TwoLayerNetworkTest {

    /** Points in the plane, labelled by quadrant-ish rule that a linear model cannot learn (XOR of signs). */
    private static Map<String, Tensor> batch(Random rnd, int n) {
        float[] x = new float[n * 2];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            float a = (float) (rnd.nextDouble() * 2 - 1), b = (float) (rnd.nextDouble() * 2 - 1);
            x[2 * i] = a;
            x[2 * i + 1] = b;
            y[i] = (a > 0) ^ (b > 0) ? 1 : 0;
        }
        return Map.of("x", Tensor.ofFloats(x, n, 2), "y", Tensor.ofLongs(y, n));
    }

    private static TrainableGraph network(long seed) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 2L);
        Value y = g.input("y", DType.I64, "batch");
        Value h = g.silu(g.linear(x, g.weight("net", "l1.weight", Init.normal(1.0), 32, 2), g.weight("net", "l1.bias", Init.zeros(), 32)));
        Value logits = g.linear(h, g.weight("net", "l2.weight", Init.normal(0.2), 2, 32), g.weight("net", "l2.bias", Init.zeros(), 2));
        g.output("loss", g.crossEntropy(logits, y, -100));
        g.output("logits", logits);
        List<String> trainable = List.of("net/l1.weight", "net/l1.bias", "net/l2.weight", "net/l2.bias");
        return new TrainableGraph(OrtRuntime.cpu(1), g.build(), "loss", trainable, new WeightBinder(Map.of(), seed));
    }

    @Test
    void lossFallsAndTheNetworkLearnsXor() {
        Random rnd = new Random(7);
        Map<String, Tensor> eval = batch(new Random(99), 256);
        try (TrainableGraph net = network(3)) {
            Optimizer opt = AdamW.withWeightDecay(0.0);
            double initial = net.forwardBackward(eval).loss();
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                TrainableGraph.Pass pass = net.forwardBackward(batch(rnd, 64));
                Params.clipGlobalNorm(pass.grads(), 5.0);
                opt.step(net.parameters(), pass.grads(), 0.03);
                losses.add(pass.loss());
            }
            TrainableGraph.Pass after = net.forwardBackward(eval);
            assertThat(initial).isGreaterThan(0.6);                 // about ln 2 before training
            assertThat(after.loss()).isLessThan(0.2);
            double firstTen = losses.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
            double lastTen = losses.subList(290, 300).stream().mapToDouble(d -> d).average().orElseThrow();
            assertThat(lastTen).isLessThan(firstTen / 3);
            float[] logits = after.outputs().get("logits").toFloats();
            long[] labels = eval.get("y").toLongs();
            int correct = 0;
            for (int i = 0; i < labels.length; i++) if ((logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == labels[i]) correct++;
            assertThat(correct).isGreaterThan(240);                 // > 93% of 256
        }
    }

    @Test
    void sameSeedGivesSameParameters() {
        Random r1 = new Random(5), r2 = new Random(5);
        try (TrainableGraph a = network(11); TrainableGraph b = network(11)) {
            Optimizer oa = new Sgd(0), ob = new Sgd(0);
            for (int i = 0; i < 5; i++) {
                oa.step(a.parameters(), a.forwardBackward(batch(r1, 16)).grads(), 0.1);
                ob.step(b.parameters(), b.forwardBackward(batch(r2, 16)).grads(), 0.1);
            }
            for (String k : a.parameters().keySet()) {
                assertThat(b.parameters().get(k).toFloats()).as(k).containsExactly(a.parameters().get(k).toFloats());
            }
        }
    }
}
