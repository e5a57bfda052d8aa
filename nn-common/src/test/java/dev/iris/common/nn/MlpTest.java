package dev.iris.common.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The MLP builders and activations run by ONNX Runtime against plain Java. */
class MlpTest {
    static final int D = 8, I = 20, T = 3;

    private static double activation(Activation a, double x) {
        DoubleUnaryOperator f = switch (a) {
            case GELU_TANH -> v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            case QUICK_GELU -> v -> v / (1 + Math.exp(-1.702 * v));
            case SILU -> v -> v / (1 + Math.exp(-v));
            case GELU -> v -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
        };
        return f.applyAsDouble(x);
    }

    /** erf by its series of positive terms {@code 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (2n+1)!!}. */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 6) return Math.signum(x);
        double t = 2 * a * a, term = a, sum = a;
        for (int n = 1; term > sum * 1e-18; n++) sum += term *= t / (2 * n + 1);
        return Math.signum(x) * Math.min(1.0, 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum);
    }

    @Test
    void exactGeluAtKnownPoints() {
        // torch.nn.functional.gelu(x) (approximate="none") at 1, -1 and 2.5
        assertThat(activation(Activation.GELU, 1.0)).isCloseTo(0.8413447460685429, within(1e-15));
        assertThat(activation(Activation.GELU, -1.0)).isCloseTo(-0.15865525393145707, within(1e-15));
        assertThat(activation(Activation.GELU, 2.5)).isCloseTo(2.4844758366855597, within(1e-15));
    }

    private static float[] run(Mlp mlp, Map<String, float[]> w, float[] x) {
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, (long) T, (long) D);
        g.output("y", mlp.apply(g, Weights.of(g, Ort.GROUP, ""), in));
        return Ort.run(g.build(), w, Map.of("x", Tensor.ofFloats(x, 1, T, D))).get("y").toFloats();
    }

    private static void assertClose(float[] got, double[][] expected) {
        for (int t = 0; t < T; t++) for (int j = 0; j < D; j++) {
            assertThat((double) got[t * D + j]).as("t%d j%d", t, j).isCloseTo(expected[t][j], within(1e-4));
        }
    }

    @Test
    void swiGluIsDownOfSiluGateTimesUp() {
        Random r = new Random(1);
        Map<String, float[]> w = Map.of("mlp.gate_proj.weight", Ort.gauss(r, I * D, 0.4), "mlp.up_proj.weight", Ort.gauss(r, I * D, 0.4),
                "mlp.down_proj.weight", Ort.gauss(r, D * I, 0.4));
        float[] x = Ort.gauss(r, T * D, 1.0);
        double[][] xs = Ort.rows(x, T, D);
        double[][] gate = Ort.linear(xs, w.get("mlp.gate_proj.weight"), null, I);
        double[][] up = Ort.linear(xs, w.get("mlp.up_proj.weight"), null, I);
        for (int t = 0; t < T; t++) for (int i = 0; i < I; i++) gate[t][i] = activation(Activation.SILU, gate[t][i]) * up[t][i];
        assertClose(run(SwiGluMlp.llama(D, I), w, x), Ort.linear(gate, w.get("mlp.down_proj.weight"), null, D));
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void twoLayerMlpAppliesItsActivationBetweenBiasedLayers(Activation act) {
        Random r = new Random(2 + act.ordinal());
        Map<String, float[]> w = Map.of("mlp.fc1.weight", Ort.gauss(r, I * D, 0.6), "mlp.fc1.bias", Ort.gauss(r, I, 0.3),
                "mlp.fc2.weight", Ort.gauss(r, D * I, 0.4), "mlp.fc2.bias", Ort.gauss(r, D, 0.3));
        float[] x = Ort.gauss(r, T * D, 1.0);
        double[][] h = Ort.linear(Ort.rows(x, T, D), w.get("mlp.fc1.weight"), w.get("mlp.fc1.bias"), I);
        for (double[] row : h) for (int i = 0; i < I; i++) row[i] = activation(act, row[i]);
        assertClose(run(TwoLayerMlp.vit(D, I, act), w, x), Ort.linear(h, w.get("mlp.fc2.weight"), w.get("mlp.fc2.bias"), D));
    }

    @Test
    void huggingFaceActivationNamesMapAndUnknownOnesAreNamed() {
        assertThat(Activation.fromHuggingFace("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.fromHuggingFace("gelu_new")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.fromHuggingFace("quick_gelu")).isEqualTo(Activation.QUICK_GELU);
        assertThat(Activation.fromHuggingFace("silu")).isEqualTo(Activation.SILU);
        // "gelu" is the exact (erf) GELU, not the tanh approximation
        assertThat(Activation.fromHuggingFace("gelu")).isEqualTo(Activation.GELU);
        assertThatThrownBy(() -> Activation.fromHuggingFace("relu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported hidden_act \"relu\"");
    }
}
