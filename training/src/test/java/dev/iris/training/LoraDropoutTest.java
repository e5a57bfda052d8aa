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

/** The dropout masks fed to a LoRA training graph: type, shapes from the batch, values, rate and reproducibility. */
class LoraDropoutTest {
    private static final String Q = LoraRewrite.DROPOUT_INPUT + "layer.q_proj", K = LoraRewrite.DROPOUT_INPUT + "layer.k_proj";

    /** Two adapted layers reading the same input, as q_proj and k_proj do. */
    private static Graph graph(double p) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value x = g.input("x", DType.F32, "batch", "seq", 32L);
        g.output("q", g.linear(x, g.weight("llm", "layer.q_proj.weight", 8, 32), null));
        g.output("k", g.linear(x, g.weight("llm", "layer.k_proj.weight", 8, 32), null));
        g.output("ids", ids);
        return LoraRewrite.apply(g.build(), "llm", new LoraRewrite.Spec(2, 2, List.of("q_proj", "k_proj")), p).graph();
    }

    private static final Map<String, Tensor> FEEDS =
            Map.of("ids", Tensor.ofLongs(new long[3 * 50], 3, 50), "x", Tensor.zeros(DType.F32, 3, 50, 32));

    private static byte[] bytes(Tensor t) {
        byte[] b = new byte[t.data().remaining()];
        t.data().duplicate().get(b);
        return b;
    }

    @Test
    void masksAreOneByteZerosAndOnesShapedByTheBatchDroppingAboutP() {
        LoraDropout d = new LoraDropout(graph(0.25), 0.25, 7);
        Map<String, Tensor> fed = d.withMasks(FEEDS, 4, 1);
        assertThat(fed).containsKeys("ids", "x", Q, K);
        Tensor m = fed.get(Q);
        assertThat(m.dtype()).isEqualTo(DType.U8);
        assertThat(m.shape()).containsExactly(3, 50, 32);
        assertThat(m.data().remaining()).isEqualTo(3 * 50 * 32);   // a byte an element, not a float's four
        long dropped = 0;
        for (byte b : bytes(m)) {
            assertThat(b).isIn(LoraDropout.DROPPED, LoraDropout.KEPT);
            if (b == LoraDropout.DROPPED) dropped++;
        }
        assertThat(dropped / 4800.0).isBetween(0.22, 0.28);
        // a shorter batch next (the buffers are reused): the mask takes its shape
        Map<String, Tensor> shorter = Map.of("ids", Tensor.ofLongs(new long[3 * 20], 3, 20), "x", Tensor.zeros(DType.F32, 3, 20, 32));
        Tensor s = d.withMasks(shorter, 5, 0).get(Q);
        assertThat(s.shape()).containsExactly(3, 20, 32);
        assertThat(s.data().remaining()).isEqualTo(3 * 20 * 32);
    }

    @Test
    void everyLayerAndPassGetsItsOwnMaskAndTheSameSeedDrawsTheSameOnes() {
        LoraDropout d = new LoraDropout(graph(0.25), 0.25, 7);
        byte[] q = bytes(d.withMasks(FEEDS, 4, 1).get(Q));
        // layers reading one input still get independent masks (PEFT: one nn.Dropout per adapter)
        assertThat(bytes(d.withMasks(FEEDS, 4, 1).get(K))).isNotEqualTo(q);
        // a fresh mask for another pass of the step, and for another step
        assertThat(bytes(d.withMasks(FEEDS, 4, 0).get(Q))).isNotEqualTo(q);
        assertThat(bytes(d.withMasks(FEEDS, 5, 1).get(Q))).isNotEqualTo(q);
        // the same seed, step and pass: the same mask, also from a new instance (a resumed run)
        assertThat(bytes(d.withMasks(FEEDS, 4, 1).get(Q))).isEqualTo(q);
        assertThat(bytes(new LoraDropout(graph(0.25), 0.25, 7).withMasks(FEEDS, 4, 1).get(Q))).isEqualTo(q);
        assertThat(bytes(new LoraDropout(graph(0.25), 0.25, 8).withMasks(FEEDS, 4, 1).get(Q))).isNotEqualTo(q);
    }

    @Test
    void theDropRateIsCloseToPOverManyElements() {
        // 2 masks of 3 x 50 x 32 per pass over 20 passes: 192 000 draws, p = 0.05 +- 0.003 (about 6 standard deviations)
        LoraDropout d = new LoraDropout(graph(0.05), 0.05, 0);
        long dropped = 0, all = 0;
        for (int pass = 0; pass < 20; pass++) {
            Map<String, Tensor> fed = d.withMasks(FEEDS, 1, pass);
            for (String name : List.of(Q, K)) {
                for (byte b : bytes(fed.get(name))) if (b == LoraDropout.DROPPED) dropped++;
                all += fed.get(name).numel();
            }
        }
        assertThat(dropped / (double) all).isBetween(0.047, 0.053);
    }
}
