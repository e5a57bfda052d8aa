package dev.iris.common.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pre-norm blocks: their weight names, and a ViT block against plain Java. */
class BlocksTest {

    @Test
    void aLlamaLayerAsksForLlamasWeightsAndAQwenLayerAddsTheQkvBiases() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 1L, "seq", 16L);
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        DecoderBlock.llama(16, 4, 2, 4, 24, false, 1e-6)
                .apply(g, Weights.of(g, "llm", "model.layers.0."), x, null, new Attention.Rope(pos, 10000.0), null, null);
        DecoderBlock.llama(16, 4, 2, 4, 24, true, 1e-6)
                .apply(g, Weights.of(g, "llm", "model.layers.1."), x, null, new Attention.Rope(pos, 10000.0), null, null);
        assertThat(g.build().weights().keySet()).containsExactly(
                "llm/model.layers.0.input_layernorm.weight",
                "llm/model.layers.0.self_attn.q_proj.weight", "llm/model.layers.0.self_attn.k_proj.weight",
                "llm/model.layers.0.self_attn.v_proj.weight", "llm/model.layers.0.self_attn.o_proj.weight",
                "llm/model.layers.0.post_attention_layernorm.weight",
                "llm/model.layers.0.mlp.gate_proj.weight", "llm/model.layers.0.mlp.up_proj.weight", "llm/model.layers.0.mlp.down_proj.weight",
                "llm/model.layers.1.input_layernorm.weight",
                "llm/model.layers.1.self_attn.q_proj.weight", "llm/model.layers.1.self_attn.q_proj.bias",
                "llm/model.layers.1.self_attn.k_proj.weight", "llm/model.layers.1.self_attn.k_proj.bias",
                "llm/model.layers.1.self_attn.v_proj.weight", "llm/model.layers.1.self_attn.v_proj.bias",
                "llm/model.layers.1.self_attn.o_proj.weight",
                "llm/model.layers.1.post_attention_layernorm.weight",
                "llm/model.layers.1.mlp.gate_proj.weight", "llm/model.layers.1.mlp.up_proj.weight", "llm/model.layers.1.mlp.down_proj.weight");
    }

    /** CLIP's layer (quick GELU) against plain Java: ln1, attention, residual, ln2, MLP, residual. */
    @Test
    void aVitBlockMatchesPlainJava() {
        int d = 12, heads = 3, inner = 20, t = 5;
        double eps = 1e-5;
        VitBlock block = VitBlock.standard(d, heads, inner, Activation.QUICK_GELU, eps);
        Random r = new Random(7);
        Map<String, float[]> w = new HashMap<>();
        for (String n : new String[] {"layer_norm1", "layer_norm2"}) {
            float[] scale = Ort.gauss(r, d, 0.1);
            for (int i = 0; i < d; i++) scale[i] += 1;
            w.put(n + ".weight", scale);
            w.put(n + ".bias", Ort.gauss(r, d, 0.1));
        }
        for (String n : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            w.put("self_attn." + n + ".weight", Ort.gauss(r, d * d, 0.3));
            w.put("self_attn." + n + ".bias", Ort.gauss(r, d, 0.1));
        }
        w.put("mlp.fc1.weight", Ort.gauss(r, inner * d, 0.3));
        w.put("mlp.fc1.bias", Ort.gauss(r, inner, 0.1));
        w.put("mlp.fc2.weight", Ort.gauss(r, d * inner, 0.3));
        w.put("mlp.fc2.bias", Ort.gauss(r, d, 0.1));
        float[] x = Ort.gauss(r, t * d, 1.0);

        GraphBuilder g = new GraphBuilder();
        Value in = g.input("x", DType.F32, 1L, (long) t, (long) d);
        g.output("y", block.apply(g, Weights.of(g, Ort.GROUP, ""), in));
        float[] y = Ort.run(g.build(), w, Map.of("x", Tensor.ofFloats(x, 1, t, d))).get("y").toFloats();

        // the attention's own plain version takes q/k/v/o names
        Map<String, float[]> attnWeights = new HashMap<>();
        for (String[] n : new String[][] {{"q", "q_proj"}, {"k", "k_proj"}, {"v", "v_proj"}, {"o", "out_proj"}}) {
            attnWeights.put(n[0] + ".weight", w.get("self_attn." + n[1] + ".weight"));
            attnWeights.put(n[0] + ".bias", w.get("self_attn." + n[1] + ".bias"));
        }
        Attention plain = new Attention(d, heads, heads, d / heads, true, true, new Attention.Names("q", "k", "v", "o"));
        double[][] h = Ort.rows(x, t, d);
        double[][] a = AttentionTest.naive(plain, attnWeights, layerNorm(h, w.get("layer_norm1.weight"), w.get("layer_norm1.bias"), eps), false, false);
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) h[i][j] += a[i][j];
        double[][] up = Ort.linear(layerNorm(h, w.get("layer_norm2.weight"), w.get("layer_norm2.bias"), eps), w.get("mlp.fc1.weight"), w.get("mlp.fc1.bias"), inner);
        for (double[] row : up) for (int j = 0; j < inner; j++) row[j] = row[j] / (1 + Math.exp(-1.702 * row[j]));
        double[][] down = Ort.linear(up, w.get("mlp.fc2.weight"), w.get("mlp.fc2.bias"), d);
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) {
            assertThat((double) y[i * d + j]).as("t%d j%d", i, j).isCloseTo(h[i][j] + down[i][j], within(1e-4));
        }
    }

    @Test
    void aVitBlockNeedsHeadsThatDivideTheWidth() {
        assertThatThrownBy(() -> VitBlock.standard(10, 3, 20, Activation.GELU_TANH, 1e-6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden size 10 is not a multiple of 3 heads");
    }

    private static double[][] layerNorm(double[][] x, float[] scale, float[] bias, double eps) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v / n;
            for (double v : x[i]) var += (v - mean) * (v - mean) / n;
            out[i] = new double[n];
            for (int j = 0; j < n; j++) out[i][j] = (x[i][j] - mean) / Math.sqrt(var + eps) * scale[j] + bias[j];
        }
        return out;
    }
}
