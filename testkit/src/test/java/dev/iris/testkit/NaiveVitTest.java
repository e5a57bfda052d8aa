package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NaiveVitTest {

    @Test
    void activationsAtKnownPoints() {
        // references: Python's math.erf and PyTorch's tanh GELU at these points
        assertThat(NaiveVit.erf(1)).isCloseTo(0.8427007929497149, within(1e-15));
        assertThat(NaiveVit.erf(-0.5)).isCloseTo(-0.5204998778130465, within(1e-15));
        assertThat(NaiveVit.gelu(1)).isCloseTo(0.8413447460685429, within(1e-15));
        assertThat(NaiveVit.quickGelu(1)).isCloseTo(0.8457957659328212, within(1e-15));
        assertThat(NaiveVit.geluTanh(1)).isCloseTo(0.8411919906082768, within(1e-15));
    }

    @Test
    void patchEmbeddingIsAStridedConvolutionInRowMajorPatchOrder() {
        // 1 channel, 4x4 image, 2x2 patches, 1 output that reads the bottom-right pixel of each patch
        Map<String, double[]> w = new HashMap<>();
        w.put("v.embeddings.patch_embedding.weight", new double[] {0, 0, 0, 1});
        w.put("v.embeddings.patch_embedding.bias", new double[] {0.5});
        w.put("v.embeddings.position_embedding.weight", new double[] {10, 20, 30, 40});
        NaiveVit vit = new NaiveVit(w, "v.", 1, 1e-6, NaiveVit::gelu);
        double[] px = new double[16];
        for (int i = 0; i < 16; i++) px[i] = i;
        double[][] x = vit.addPositions(vit.patchEmbedding(px, 1, 4, 2, 1, true));
        // patches (0,0), (0,1), (1,0), (1,1): bottom-right pixels 5, 7, 13, 15
        assertThat(x).isDeepEqualTo(new double[][] {{15.5}, {27.5}, {43.5}, {55.5}});
        assertThat(vit.patchEmbedding(px, 1, 4, 2, 1, false)[0][0]).isEqualTo(5);
        assertThatThrownBy(() -> vit.w("missing")).hasMessage("no weight missing");
    }

    @Test
    void aLayerWithZeroProjectionsAddsOnlyTheOutputBiases() {
        int d = 4, f = 6;
        Map<String, double[]> w = new HashMap<>();
        String pre = "encoder.layers.0.";
        for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
            w.put(pre + ln + ".weight", new double[] {1, 1, 1, 1});
            w.put(pre + ln + ".bias", new double[d]);
        }
        for (String p : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            w.put(pre + "self_attn." + p + ".weight", new double[d * d]);
            w.put(pre + "self_attn." + p + ".bias", new double[d]);
        }
        w.put(pre + "self_attn.out_proj.bias", new double[] {1, 0, 0, 0});
        w.put(pre + "mlp.fc1.weight", new double[f * d]);
        w.put(pre + "mlp.fc1.bias", new double[f]);
        w.put(pre + "mlp.fc2.weight", new double[d * f]);
        w.put(pre + "mlp.fc2.bias", new double[] {0, 0, 0, 2});
        NaiveVit vit = new NaiveVit(w, "", 2, 1e-6, NaiveVit::gelu);
        double[][] x = {{1, 2, 3, 4}, {-1, 0, 1, 0}};
        double[][] out = vit.layer(NaiveVit.copy(x), 0);
        assertThat(out).isDeepEqualTo(new double[][] {{2, 2, 3, 6}, {0, 0, 1, 2}});
        // and layer norm normalises each row: mean 0, biased variance 1 (up to eps)
        double[][] n = vit.layerNorm(x, pre + "layer_norm1");
        assertThat(n[0][0] + n[0][1] + n[0][2] + n[0][3]).isCloseTo(0, within(1e-12));
        assertThat((n[0][0] * n[0][0] + n[0][1] * n[0][1] + n[0][2] * n[0][2] + n[0][3] * n[0][3]) / 4).isCloseTo(1, within(1e-5));
    }
}
