package dev.iris.runtime.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.cache.WeightCache;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.onnx.WeightQuantizer;
import dev.iris.runtime.train.TrainableGraph;
import dev.iris.runtime.weights.MapWeightSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Training over a frozen base held as int8 codes (QLoRA-style): the gradient reaching a trained
 * weight through a frozen linear layer uses that layer's dequantized codes, and no float copy of
 * the frozen weight is bound.
 */
class QuantizedBaseTrainingTest {
    private static final OrtRuntime CPU = OrtRuntime.cpu(1);
    private static final int B = 3, IN = 64, OUT = 32;

    private static float[] values(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(0.37 * (i + 1) * (seed + 1)) * 0.8f;
        return v;
    }

    private static final float[] W = values(OUT * IN, 1), T = values(IN * IN, 2), X = values(B * IN, 3), C = values(B * OUT, 4);

    /**
     * loss = sum(c * (x T^T) W^T): T trained, W frozen. The loss is linear in the frozen layer's
     * output, so dL/dT = (c W)^T x whatever precision the forward product had: the gradient tests
     * the backward product alone, exactly.
     */
    private static Graph graph() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", (long) IN);
        Value c = g.input("c", DType.F32, "batch", (long) OUT);
        Value h = g.linear(x, g.weight("adapter", "t", IN, IN), null);
        Value y = g.linear(h, g.weight("base", "w", OUT, IN), null);
        g.output("loss", g.sum(g.mul(y, c), false, 0, 1));
        return g.build();
    }

    private static SessionFactory factory(Quantization q) {
        Map<String, dev.iris.api.weights.WeightSource> sources = Map.of(
                "base", new MapWeightSource(Map.of("w", Tensor.ofFloats(W, OUT, IN))),
                "adapter", new MapWeightSource(Map.of("t", Tensor.ofFloats(T, IN, IN))));
        return new SessionFactory(CPU, sources, 0, q, WeightCache.off());
    }

    /** (c W)^T x, with W as given. */
    private static float[] expectedGradient(float[] w) {
        double[] dh = new double[B * IN];
        for (int b = 0; b < B; b++) for (int o = 0; o < OUT; o++) for (int i = 0; i < IN; i++) dh[b * IN + i] += C[b * OUT + o] * w[o * IN + i];
        float[] out = new float[IN * IN];
        for (int o = 0; o < IN; o++) for (int i = 0; i < IN; i++) {
            double s = 0;
            for (int b = 0; b < B; b++) s += dh[b * IN + o] * X[b * IN + i];
            out[o * IN + i] = (float) s;
        }
        return out;
    }

    private static Map<String, Tensor> feeds() {
        return Map.of("x", Tensor.ofFloats(X, B, IN), "c", Tensor.ofFloats(C, B, OUT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int8_channel"})
    void theGradientThroughAFrozenInt8LayerUsesItsDequantizedCodes(String spec) {
        Quantization q = Quantization.parse(spec);
        WeightQuantizer.Quantized codes = WeightQuantizer.quantize(Tensor.ofFloats(W, OUT, IN), 8, q.blockFor(IN));
        float[] dequantized = WeightQuantizer.dequantize(codes, 8, q.blockFor(IN), OUT, IN);
        float[] expected = expectedGradient(dequantized), withFloatBase = expectedGradient(W);

        float[] grad;
        try (TrainableGraph net = factory(q).openTrainable(graph(), "loss", List.of("adapter/t"))) {
            grad = net.forwardBackward(feeds()).grads().get("adapter/t").toFloats();
        }

        // float32 sums of 32 products of size ~1: 1e-4 is rounding; the quantization moved it by far more
        for (int i = 0; i < grad.length; i++) assertThat(grad[i]).isCloseTo(expected[i], within(1e-4f));
        double moved = 0;
        for (int i = 0; i < grad.length; i++) moved = Math.max(moved, Math.abs(withFloatBase[i] - expected[i]));
        assertThat(moved).isGreaterThan(1e-3);
    }

    /**
     * In blocks, the training graph computes both products of a frozen layer in float over its
     * dequantized codes: through two frozen layers and a square, the gradients equal a float run
     * whose base is those dequantized weights (float32 rounding apart).
     */
    @Test
    void inBlocksTheGradientsAreThoseOfTheDequantizedFloatBase() {
        Quantization q = Quantization.parse("int8");
        float[] w2 = values(IN * OUT, 5);
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", (long) IN);
        Value h = g.linear(x, g.weight("adapter", "t", IN, IN), null);
        Value y = g.linear(h, g.weight("base", "w", OUT, IN), null);
        Value z = g.linear(g.mul(y, y), g.weight("base", "w2", IN, OUT), null);
        g.output("loss", g.sum(g.mul(z, z), false, 0, 1));
        Graph graph = g.build();
        Map<String, Tensor> feed = Map.of("x", Tensor.ofFloats(X, B, IN));

        float[] grad;
        try (TrainableGraph net = new SessionFactory(CPU, Map.of(
                "base", new MapWeightSource(Map.of("w", Tensor.ofFloats(W, OUT, IN), "w2", Tensor.ofFloats(w2, IN, OUT))),
                "adapter", new MapWeightSource(Map.of("t", Tensor.ofFloats(T, IN, IN)))), 0, q, WeightCache.off())
                .openTrainable(graph, "loss", List.of("adapter/t"))) {
            grad = net.forwardBackward(feed).grads().get("adapter/t").toFloats();
        }
        float[] wq = WeightQuantizer.dequantize(WeightQuantizer.quantize(Tensor.ofFloats(W, OUT, IN), 8, q.blockFor(IN)), 8, q.blockFor(IN), OUT, IN);
        float[] w2q = WeightQuantizer.dequantize(WeightQuantizer.quantize(Tensor.ofFloats(w2, IN, OUT), 8, q.blockFor(OUT)), 8, q.blockFor(OUT), IN, OUT);
        float[] reference;
        try (TrainableGraph net = new SessionFactory(CPU, Map.of(
                "base", new MapWeightSource(Map.of("w", Tensor.ofFloats(wq, OUT, IN), "w2", Tensor.ofFloats(w2q, IN, OUT))),
                "adapter", new MapWeightSource(Map.of("t", Tensor.ofFloats(T, IN, IN)))), 0, Quantization.NONE, WeightCache.off())
                .openTrainable(graph, "loss", List.of("adapter/t"))) {
            reference = net.forwardBackward(feed).grads().get("adapter/t").toFloats();
        }

        double scale = 0;
        for (float r : reference) scale = Math.max(scale, Math.abs(r));
        assertThat(scale).isGreaterThan(0.1);   // not a vanishing gradient
        // the same float32 products in another order: rounding of 1e-5 of the largest entry
        for (int i = 0; i < grad.length; i++) assertThat(grad[i]).isCloseTo(reference[i], within((float) (1e-5 * scale)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int8_channel"})
    void theFrozenBaseIsBoundAsCodesOnly(String spec) {
        Quantization q = Quantization.parse(spec);
        SessionFactory f = factory(q);
        try (TrainableGraph net = f.openTrainable(graph(), "loss", List.of("adapter/t"))) {
            net.forwardBackward(feeds());
            // the trained weight is fed, not bound: what is held is W's codes and scales, no float32 W
            assertThat(f.weightBytesHeld()).isEqualTo(q.storedBytes(OUT, IN)).isLessThan(OUT * IN * 4L / 3);
        }
        SessionFactory plain = factory(Quantization.NONE);
        try (TrainableGraph net = plain.openTrainable(graph(), "loss", List.of("adapter/t"))) {
            assertThat(plain.weightBytesHeld()).isEqualTo(OUT * IN * 4L);
        }
    }

    /** A frozen weight also read as a float (as a tied LM head is the embedding table) stays float alone: no codes beside it. */
    @Test
    void aWeightAlsoReadAsAFloatIsBoundAsAFloatOnly() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", (long) IN);
        Value c = g.input("c", DType.F32, "batch", (long) OUT);
        Value w = g.weight("base", "w", OUT, IN);
        Value y = g.linear(g.linear(x, g.weight("adapter", "t", IN, IN), null), w, null);
        g.output("loss", g.add(g.sum(g.mul(y, c), false, 0, 1), g.sum(g.mul(w, 0.0), false, 0, 1)));
        SessionFactory f = factory(Quantization.parse("int8"));
        float[] grad;
        try (TrainableGraph net = f.openTrainable(g.build(), "loss", List.of("adapter/t"))) {
            grad = net.forwardBackward(feeds()).grads().get("adapter/t").toFloats();
            assertThat(f.weightBytesHeld()).isEqualTo(OUT * IN * 4L);
        }
        float[] expected = expectedGradient(W);   // the float weight itself
        for (int i = 0; i < grad.length; i++) assertThat(grad[i]).isCloseTo(expected[i], within(1e-4f));
    }

    @Test
    void int4HasNoTrainingFormAndIsRefusedByName() {
        assertThatThrownBy(() -> factory(Quantization.parse("int4")).openTrainable(graph(), "loss", List.of("adapter/t")))
                .hasMessageContaining("runtime.weights: int4");
    }
}
