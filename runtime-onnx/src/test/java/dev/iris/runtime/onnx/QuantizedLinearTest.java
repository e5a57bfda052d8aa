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

/**
 * Linear layers with int8 / int4 weights run as MatMulNBits and compute with exactly the dequantized weights;
 * embedding tables (tied or not) are gathered from the codes as exactly the dequantized rows.
 */
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
        Value embed = g.weight("m", "embed", 3, K);   // used by a gather only: codes too
        g.output("y", g.linear(in, g.weight("m", "proj.weight", N, K), g.weight("m", "proj.bias", N)));
        g.output("e", g.gather(embed, g.constant(Tensor.ofLongs(new long[] {1}, 1))));
        // a tied head: the same weight is a table for a gather and a linear layer's weight
        Value tied = g.weight("m", "tied", N, K);
        g.output("rows", g.gather(tied, g.constant(Tensor.ofLongs(IDS, 2, 2))));
        g.output("head", g.linear(in, tied, null));
        Graph graph = g.build();
        // accuracy level 0 computes with exactly the dequantized weights: this checks the packing
        CompiledGraph.Quantization configured = CompiledGraph.Quantization.parse(bits == 8 ? "int8" : "int4");
        int block = configured.blockFor(K);
        CompiledGraph.Quantization unpacked = new CompiledGraph.Quantization(bits, block, 0);
        CompiledGraph cg = OnnxCompiler.compile(graph, DType.F32, List.of(), unpacked);
        assertThat(cg.quantized()).containsExactlyInAnyOrder("m/proj.weight", "m/tied", "m/embed");
        assertThat(cg.floatToo()).isEmpty();
        assertThat(GraphSession.initializerNames(cg)).doesNotContain("m/tied", "m/embed");
        float[] embedding = new float[3 * K];
        for (int i = 0; i < embedding.length; i++) embedding[i] = (float) r.nextGaussian();
        Map<String, Tensor> frozen = Map.of("m/proj.weight", weight, "m/proj.bias", Tensor.ofFloats(b, N), "m/embed", Tensor.ofFloats(embedding, 3, K),
                "m/tied", weight);
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            Map<String, Tensor> out = s.run(Map.of("x", Tensor.ofFloats(x, 2, T, K)));
            // both gathers read the rows the codes stand for, as the linear layer does
            assertThat(out.get("rows").shape()).containsExactly(2, 2, K);
            assertRowsAreDequantized(out.get("rows").toFloats(), IDS, weight, bits, block);
            assertRowsAreDequantized(out.get("e").toFloats(), new long[] {1}, Tensor.ofFloats(embedding, 3, K), bits, block);
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

    /** Rows gathered (negative ids count from the end, as ONNX Gather does) and a row id past the first block's scales. */
    static final long[] IDS = {2, 0, -1, N - 2};

    /** Each gathered row equals, exactly, that row of the weight dequantized in plain Java from its codes. */
    private static void assertRowsAreDequantized(float[] rows, long[] ids, Tensor table, int bits, int block) {
        int n = Math.toIntExact(table.shape()[0]), k = Math.toIntExact(table.shape()[1]);
        float[] dq = WeightQuantizer.dequantize(WeightQuantizer.quantize(table, bits, block), bits, block, n, k);
        assertThat(rows).hasSize(ids.length * k);
        for (int j = 0; j < ids.length; j++) {
            int row = Math.floorMod(Math.toIntExact(ids[j]), n);
            for (int i = 0; i < k; i++) assertThat(rows[j * k + i]).as("row %d, column %d", row, i).isEqualTo(dq[row * k + i]);
        }
    }

    /** A training graph keeps its tables float (a tied head's included): the gradients of what reads them are exact. */
    @Test
    void trainingGraphsKeepTheirTablesFloat() {
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, "batch", (long) K);
        Value tied = g.weight("m", "tied", N, K), embed = g.weight("m", "embed", 3, K);
        Value ids = g.constant(Tensor.ofLongs(new long[] {1}, 1));
        Value h = g.add(g.linear(in, g.weight("adapter", "t", K, K), null), g.add(g.gather(tied, ids), g.gather(embed, ids)));
        g.output("loss", g.sum(g.linear(h, tied, null), false, 0, 1));
        CompiledGraph cg = OnnxCompiler.compile(g.build(), DType.F32, List.of("adapter/t"), CompiledGraph.Quantization.parse("int8"));
        assertThat(cg.quantized()).doesNotContain("m/tied", "m/embed");
        assertThat(GraphSession.initializerNames(cg)).contains("m/tied", "m/embed");
    }

    private static float[] run(CompiledGraph cg, Map<String, Tensor> frozen, float[] x) {
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, frozen)) {
            return s.run(Map.of("x", Tensor.ofFloats(x, 2, T, K))).get("y").toFloats();
        }
    }

    /**
     * Per-channel int8 (MatMulIntegerToFloat) against a plain-Java reference of what the graph
     * computes: each row of activations quantized symmetrically to 8 bits (scale max |x| / 127,
     * round half to even, zero point 128), integer products with the codes (zero point 128),
     * scaled by the row's scale times each output channel's scale, plus the bias.
     */
    @Test
    void perChannelInt8MatchesItsIntegerReference() {
        Random r = new Random(3);
        int k = 40;   // not a multiple of any block: per channel quantizes it anyway
        float[] w = new float[N * k], b = new float[N], x = new float[2 * T * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, "batch", "seq", (long) k);
        g.output("y", g.linear(in, g.weight("m", "proj.weight", N, k), g.weight("m", "proj.bias", N)));
        Value tied = g.weight("m", "tied", N, k);
        g.output("rows", g.gather(tied, g.constant(Tensor.ofLongs(IDS, 2, 2))));
        g.output("head", g.linear(in, tied, null));
        // an untied table read by a gather only
        g.output("e", g.gather(g.weight("m", "embed", 3, k), g.constant(Tensor.ofLongs(new long[] {0, 2, 1}, 3))));
        CompiledGraph.Quantization q = CompiledGraph.Quantization.parse("int8_channel");
        CompiledGraph cg = OnnxCompiler.compile(g.build(), DType.F32, List.of(), q);
        assertThat(cg.quantized()).containsExactlyInAnyOrder("m/proj.weight", "m/tied", "m/embed");
        assertThat(cg.floatToo()).isEmpty();
        Tensor weight = Tensor.ofFloats(w, N, k);
        WeightQuantizer.Quantized qw = WeightQuantizer.quantize(weight, 8, 0);
        assertThat(qw.codes().dtype()).isEqualTo(DType.U8);
        assertThat(qw.codes().shape()).containsExactly(k, N);
        assertThat(qw.scales().shape()).containsExactly(N);
        // rows far apart in size (each gets its own scale) and a row of zeros (no division by zero)
        for (int i = 0; i < k; i++) {
            x[3 * k + i] = 0;
            x[5 * k + i] *= 300;
        }
        Map<String, Tensor> out;
        float[] e = new float[3 * k];
        for (int i = 0; i < e.length; i++) e[i] = (float) r.nextGaussian();
        Tensor embedding = Tensor.ofFloats(e, 3, k);
        try (GraphSession s = OrtRuntime.cpu(1).open(cg, Map.of("m/proj.weight", weight, "m/proj.bias", Tensor.ofFloats(b, N), "m/tied", weight,
                "m/embed", embedding))) {
            out = s.run(Map.of("x", Tensor.ofFloats(x, 2, T, k)));
        }
        float[] y = out.get("y").toFloats(), head = out.get("head").toFloats();
        float[] dq = WeightQuantizer.dequantize(qw, 8, 0, N, k);
        double worstVsFloat = 0, scale = 0;
        for (int row = 0; row < 2 * T; row++) for (int o = 0; o < N; o++) {
            float rowMax = 0;
            for (int i = 0; i < k; i++) rowMax = Math.max(rowMax, Math.abs(x[row * k + i]));
            float aScale = Math.max(rowMax / 127, 1e-30f);
            long acc = 0;
            double exact = b[o];
            for (int i = 0; i < k; i++) {
                int qa = (int) Math.max(0, Math.min(255, Math.rint(x[row * k + i] / aScale) + 128));
                acc += (long) (qa - 128) * ((qw.codes().data().get(i * N + o) & 0xff) - 128);
                exact += x[row * k + i] * w[o * k + i];
            }
            double expected = acc * (double) aScale * qw.scales().getFloat(o);
            assertThat((double) head[row * N + o]).isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
            assertThat((double) y[row * N + o]).isCloseTo(expected + b[o], within(1e-4 * (1 + Math.abs(expected))));
            worstVsFloat = Math.max(worstVsFloat, Math.abs(y[row * N + o] - exact));
            scale = Math.max(scale, Math.abs(exact));
        }
        // the codes stand for the weights within half a step per channel
        for (int o = 0; o < N; o++) for (int i = 0; i < k; i++) {
            assertThat(dq[o * k + i]).isCloseTo(w[o * k + i], within(qw.scales().getFloat(o) / 2 + 1e-6f));
        }
        // and the whole product stays within 2% of the float one (random Gaussian data)
        assertThat(worstVsFloat / scale).isLessThan(0.02);
        // the gathers read the rows the codes stand for, [ids.., K] though the codes are [K, N]
        assertThat(out.get("rows").shape()).containsExactly(2, 2, k);
        assertRowsAreDequantized(out.get("rows").toFloats(), IDS, weight, 8, 0);
        assertRowsAreDequantized(out.get("e").toFloats(), new long[] {0, 2, 1}, embedding, 8, 0);
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
        assertThat(int8.quantizes(40)).isFalse();
        // per channel: no blocks, any K
        CompiledGraph.Quantization perChannel = CompiledGraph.Quantization.parse("int8_channel");
        assertThat(perChannel.perChannel()).isTrue();
        assertThat(perChannel.blockFor(896)).isZero();
        assertThat(perChannel.quantizes(40)).isTrue();
        assertThat(perChannel.storedBytes(4864, 896)).isEqualTo(4864L * 896 + 4864 * 4);
        assertThat(int8.storedBytes(4864, 896)).isEqualTo(4864L * 896 + 4864 * 7 * 4);
        // each format names itself as the config does
        for (String spec : List.of("fp32", "int8", "int8_channel", "int4")) assertThat(CompiledGraph.Quantization.parse(spec).spec()).isEqualTo(spec);
    }

    @Test
    void badFormatsAreNamed() {
        assertThatThrownBy(() -> CompiledGraph.Quantization.parse("int3"))
                .hasMessage("runtime.weights: 'int3' is not a weight format (use fp32, int8, int8_channel or int4)");
    }
}
