package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Linear layers with int8 / int4 weights run as MatMulNBits and compute with exactly the dequantized weights. */
class QuantizedLinearTest {
    static final int N = 24, K = 64, T = 5;

    @ParameterizedTest
    @ValueSource(ints = {8, 4})
    void matMulNBitsEqualsTheDequantizedWeights(int bits) {
        Random r = new Random(bits);
        float[] w = new float[N * K], b = new float[N], x = new float[2 * T * K];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Tensor weight = Tensor.ofFloats(w, N, K);
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, "batch", "seq", (long) K);
        Value embed = g.weight("m", "embed", 3, K);   // used by a gather only: stays float
        g.output("y", g.linear(in, g.weight("m", "proj.weight", N, K), g.weight("m", "proj.bias", N)));
        g.output("e", g.gather(embed, g.constant(Tensor.ofLongs(new long[] {1}, 1))));
        // a tied head: the same weight is a table for a gather and a linear layer's weight
        Value tied = g.weight("m", "tied", N, K);
        g.output("rows", g.gather(tied, g.constant(Tensor.ofLongs(new long[] {2}, 1))));
        g.output("head", g.linear(in, tied, null));
        Graph graph = g.build();
        // accuracy level 0 computes with exactly the dequantized weights: this checks the packing
        CompiledGraph.Quantization configured = CompiledGraph.Quantization.parse(bits == 8 ? "int8" : "int4");
        int block = configured.blockFor(K);
        CompiledGraph.Quantization unpacked = new CompiledGraph.Quantization(bits, block, 0);
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of(), unpacked);
        assertThat(cg.quantized()).containsExactlyInAnyOrder("m/proj.weight", "m/tied");
        assertThat(cg.floatToo()).containsExactly("m/tied");
        float[] embedding = new float[3 * K];
        Map<String, Tensor> frozen = Map.of("m/proj.weight", weight, "m/proj.bias", Tensor.ofFloats(b, N), "m/embed", Tensor.ofFloats(embedding, 3, K),
                "m/tied", weight);
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            Map<String, Tensor> out = s.run(Map.of("x", Tensor.ofFloats(x, 2, T, K)));
            // the gather reads the exact float rows; the linear layer the quantized ones
            float[] rows = out.get("rows").toFloats();
            for (int i = 0; i < K; i++) assertThat(rows[i]).isEqualTo(w[2 * K + i]);
            float[] head = out.get("head").toFloats(), y0 = out.get("y").toFloats();
            for (int i = 0; i < head.length; i++) assertThat((double) head[i]).isCloseTo(y0[i] - b[i % N], within(1e-3));
        }
        float[] y = run(cg, frozen, x);
        // the configured formats (level 4: int8 activations, the fast path) stay close to it
        float[] fast = run(OnnxCompiler.compile(graph, DType.F32, List.of(), configured), frozen, x);
        double scale = 0;
        for (float v : y) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < y.length; i++) assertThat((double) fast[i]).isCloseTo(y[i], within(0.03 * scale));
        float[] dq = WeightQuantizer.dequantize(WeightQuantizer.quantize(weight, bits, block), bits, block, N, K);
        double worst = 0;
        for (int row = 0; row < 2 * T; row++) for (int o = 0; o < N; o++) {
            double expected = b[o], exact = b[o];
            for (int k = 0; k < K; k++) {
                expected += x[row * K + k] * dq[o * K + k];
                exact += x[row * K + k] * w[o * K + k];
            }
            assertThat((double) y[row * N + o]).isCloseTo(expected, within(1e-3));
            worst = Math.max(worst, Math.abs(y[row * N + o] - exact));
        }
        // and the quantization itself is close to the float weights (coarser for 4 bits)
        assertThat(worst).isLessThan(bits == 8 ? 0.2 : 2.5);
    }

    private static float[] run(CompiledGraph cg, Map<String, Tensor> frozen, float[] x) {
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            return s.run(Map.of("x", Tensor.ofFloats(x, 2, T, K))).get("y").toFloats();
        }
    }

    @Test
    void quantizationRoundTripsWithinHalfAStep() {
        Random r = new Random(1);
        float[] w = new float[4 * 64];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        WeightQuantizer.Quantized q = WeightQuantizer.quantize(Tensor.ofFloats(w, 4, 64), 8, 32);
        float[] back = WeightQuantizer.dequantize(q, 8, 32, 4, 64);
        for (int i = 0; i < w.length; i++) {
            float scale = q.scales().getFloat(i / 32);
            assertThat(back[i]).isCloseTo(w[i], within(scale / 2 + 1e-6f));
        }
        assertThat(q.codes().shape()).containsExactly(4, 2, 32);
        assertThat(WeightQuantizer.quantize(Tensor.ofFloats(w, 4, 64), 4, 32).codes().shape()).containsExactly(4, 2, 16);
    }

    @Test
    void blocksShrinkToDivideTheInputs() {
        CompiledGraph.Quantization int8 = CompiledGraph.Quantization.parse("int8");
        assertThat(int8.blockFor(896)).isEqualTo(128);     // Qwen2.5-0.5B's hidden size
        assertThat(int8.blockFor(4864)).isEqualTo(128);    // and its MLP width
        assertThat(int8.blockFor(64)).isEqualTo(64);
        assertThat(int8.blockFor(96)).isEqualTo(32);
        assertThat(int8.blockFor(40)).isZero();            // stays float
    }

    @Test
    void badFormatsAreNamed() {
        assertThatThrownBy(() -> CompiledGraph.Quantization.parse("int3"))
                .hasMessage("runtime.weights: 'int3' is not a weight format (use fp32, int8 or int4)");
    }
}
