package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.Decomposer;
import dev.iris.testkit.GraphRun;
import dev.iris.testkit.NaiveDecoder;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Llama 3's rope scaling as the runtime computes it (float32, step by step as transformers'
 * {@code _compute_llama3_parameters}) against the formula written out in double precision
 * ({@link NaiveDecoder#inverseFrequencies}), and the rotary op through ONNX Runtime at long positions.
 */
class RopeScalingTest {
    /** Llama 3.2 1B: theta 500000, head size 64, factor 32, low 1, high 4, original context 8192. */
    static final RopeScaling.Llama3 LLAMA32 = new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192);

    @Test
    void llama3InverseFrequenciesFollowTheFormulaBandByBand() {
        float[] runtime = Decomposer.rotaryInverseFrequencies(500000.0, 64, LLAMA32);
        double[] reference = NaiveDecoder.inverseFrequencies(500000.0, 64, LLAMA32);
        float[] unscaled = Decomposer.rotaryInverseFrequencies(500000.0, 64);
        assertThat(runtime).hasSize(32);
        int kept = 0, divided = 0, blended = 0;
        for (int i = 0; i < 32; i++) {
            assertThat((double) runtime[i]).as("inverse frequency %d", i).isCloseTo(reference[i], within(Math.abs(reference[i]) * 1e-6));
            double wavelength = 2 * Math.PI / unscaled[i];
            if (wavelength < 8192 / 4.0) {
                kept++;
                assertThat(runtime[i]).isEqualTo(unscaled[i]);                    // high frequencies untouched
            } else if (wavelength > 8192 / 1.0) {
                divided++;
                assertThat(runtime[i]).isEqualTo(unscaled[i] / 32f);              // low frequencies interpolated
            } else {
                blended++;
                assertThat(runtime[i]).isBetween(unscaled[i] / 32f, unscaled[i]);
            }
        }
        // with theta 500000 and 64-wide heads the three bands are all populated
        assertThat(kept).isPositive();
        assertThat(divided).isPositive();
        assertThat(blended).isPositive();
        assertThat(kept + divided + blended).isEqualTo(32);
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        float[] runtime = Decomposer.rotaryInverseFrequencies(10000.0, 16, new RopeScaling.Linear(4.0));
        double[] reference = NaiveDecoder.inverseFrequencies(10000.0, 16, new RopeScaling.Linear(4.0));
        for (int i = 0; i < 8; i++) assertThat((double) runtime[i]).isCloseTo(reference[i], within(reference[i] * 1e-6));
        assertThat(runtime[0]).isEqualTo(0.25f);
    }

    /**
     * The rotary op with llama3 scaling through ONNX Runtime at positions up to 8191: in float32
     * as the fused RotaryEmbedding kernel, in float64 as the decomposition training graphs use.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void scaledRotaryRunsInOrtAsTheFormulaSays(DType precision) {
        int heads = 2, d = 64;
        long[] positions = {0, 1, 7, 100, 2047, 4000, 8191};
        int t = positions.length;
        Random r = new Random(5);
        float[] x = new float[heads * t * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, (long) heads, "seq", (long) d);
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        g.output("y", g.rotary(in, pos, 500000.0, LLAMA32));
        g.output("plain", g.rotary(in, pos, 500000.0));
        Map<String, Tensor> out = GraphRun.run(g.build(), Map.of(),
                Map.of("x", Tensor.ofFloats(x, 1, heads, t, d), "positions", Tensor.ofLongs(positions, 1, t)), precision);
        float[] y = out.get("y").toFloats(), plain = out.get("plain").toFloats();
        double[] invFreq = NaiveDecoder.inverseFrequencies(500000.0, d, LLAMA32);
        double maxDiff = 0, maxScalingEffect = 0;
        for (int h = 0; h < heads; h++) for (int p = 0; p < t; p++) {
            int o = (h * t + p) * d;
            for (int i = 0; i < d / 2; i++) {
                double a = positions[p] * invFreq[i];
                double y1 = x[o + i] * Math.cos(a) - x[o + i + d / 2] * Math.sin(a);
                double y2 = x[o + i + d / 2] * Math.cos(a) + x[o + i] * Math.sin(a);
                maxDiff = Math.max(maxDiff, Math.max(Math.abs(y[o + i] - y1), Math.abs(y[o + i + d / 2] - y2)));
                maxScalingEffect = Math.max(maxScalingEffect, Math.abs(y[o + i] - plain[o + i]));
            }
        }
        // float32 angles at position 8191 carry ~1e-3 rad of rounding (transformers' too); the scaling itself moves values by O(1)
        assertThat(maxDiff).as("ORT vs formula").isLessThan(5e-3);
        assertThat(maxScalingEffect).as("scaled vs unscaled").isGreaterThan(0.5);
    }
}
