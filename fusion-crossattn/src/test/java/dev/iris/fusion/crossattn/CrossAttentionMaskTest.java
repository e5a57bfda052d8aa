package dev.iris.fusion.crossattn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.text.ChatMl;
import dev.iris.llm.qwen.Qwen2LanguageModel;
import dev.iris.testkit.GradientCheck;
import dev.iris.testkit.GraphRun;
import dev.iris.testkit.TestWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code image_mask: mllama}: rows before the image's place get nothing from the blocks (checked
 * against the plain-Java block with the mask, and through the real decoder), rows after it get
 * what {@code all} gives them, and gradients still match finite differences.
 */
class CrossAttentionMaskTest {
    static final int D = CrossAttentionFusionTest.D, HEADS = CrossAttentionFusionTest.HEADS, KV = CrossAttentionFusionTest.KV,
            HD = CrossAttentionFusionTest.HD, INTER = CrossAttentionFusionTest.INTER, DV = CrossAttentionFusionTest.DV,
            P = CrossAttentionFusionTest.P, B = 2, T = 6;
    static final List<Integer> BLOCKS = List.of(0, 2);
    /** Sequence 0's image place is at position 2, sequence 1's at 4. */
    static final int[] START = {2, 4};

    static CrossAttentionFusion fusion(CrossAttentionFusion.ImageMask mask) {
        return new CrossAttentionFusion(BLOCKS, DV, D, HEADS, KV, HD, INTER, 1e-5, mask);
    }

    /** Hidden states through every block in turn, one output after each. */
    static Graph blocksGraph(CrossAttentionFusion f, boolean rowsInput) {
        GraphBuilder g = new GraphBuilder();
        Value image = f.projectImage(g, g.input("features", DType.F32, (long) B, (long) P, (long) DV));
        Value x = g.input("hidden", DType.F32, (long) B, (long) T, (long) D);
        LanguageModel.LayerHook hook = rowsInput ? f.layerHook(g, image, g.input("image_rows", DType.F32, (long) B, (long) T, (long) P))
                : f.layerHook(g, image);
        for (int layer : BLOCKS) {
            x = hook.afterLayer(g, layer, x);
            g.output("after." + layer, x);
        }
        return g.build();
    }

    static Map<String, Tensor> feeds(long seed) {
        Random r = new Random(seed);
        // [B, T, P]: a position at or after the image's place reads every image token
        float[] rows = new float[B * T * P];
        for (int b = 0; b < B; b++) for (int p = START[b]; p < T; p++) java.util.Arrays.fill(rows, (b * T + p) * P, (b * T + p + 1) * P, 1f);
        return Map.of("hidden", TestWeights.gaussian(r, B, T, D), "features", TestWeights.gaussian(r, B, P, DV),
                "image_rows", Tensor.ofFloats(rows, B, T, P));
    }

    static double[][] item(Tensor t, int b, int rows, int cols) {
        double[] all = t.toDoubles();
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) System.arraycopy(all, (b * rows + i) * cols, out[i], 0, cols);
        return out;
    }

    @Test
    void maskedBlocksMatchThePlainJavaBlockWithTheMask() {
        CrossAttentionFusion f = fusion(CrossAttentionFusion.ImageMask.MLLAMA);
        Graph g = blocksGraph(f, true);
        Map<String, Tensor> w = CrossAttentionFusionTest.weights(g, 21, 0.7, DType.F64), in = feeds(22);
        Map<String, Tensor> out = GraphRun.run(g, w, in, DType.F64);
        for (int b = 0; b < B; b++) {
            double[][] x = item(in.get("hidden"), b, T, D), feats = item(in.get("features"), b, P, DV);
            double[] rows = new double[T];
            for (int p = START[b]; p < T; p++) rows[p] = 1;
            for (int layer : BLOCKS) {
                x = NaiveBlock.forward(w, "fusion/", "blocks." + layer + ".", x, feats, D, HEADS, KV, HD, INTER, 1e-5, rows);
                double[][] got = item(out.get("after." + layer), b, T, D);
                for (int p = 0; p < T; p++) for (int j = 0; j < D; j++) {
                    assertThat(got[p][j]).as("sequence %d, layer %d, position %d", b, layer, p).isCloseTo(x[p][j], org.assertj.core.api.Assertions.within(1e-9));
                }
            }
        }
    }

    @Test
    void rowsBeforeTheImageLeaveTheBlocksAsTheyEnteredAndRowsAfterItAreAsWithoutTheMask() {
        Graph masked = blocksGraph(fusion(CrossAttentionFusion.ImageMask.MLLAMA), true);
        Graph all = blocksGraph(fusion(CrossAttentionFusion.ImageMask.ALL), false);
        assertThat(masked.weights().keySet()).isEqualTo(all.weights().keySet());   // the mask adds no weight
        Map<String, Tensor> w = CrossAttentionFusionTest.weights(masked, 23, 0.9, DType.F32), in = feeds(24);
        Map<String, Tensor> noRows = new HashMap<>(in);
        noRows.remove("image_rows");
        float[] m = GraphRun.run(masked, w, in, DType.F32).get("after.2").toFloats();
        float[] a = GraphRun.run(all, w, noRows, DType.F32).get("after.2").toFloats();
        float[] h = in.get("hidden").toFloats();
        int changedBefore = 0, sameAfter = 0, after = 0;
        for (int b = 0; b < B; b++) for (int p = 0; p < T; p++) for (int j = 0; j < D; j++) {
            int k = (b * T + p) * D + j;
            if (p < START[b]) {
                if (m[k] != h[k]) changedBefore++;
                assertThat(a[k]).as("without the mask row %d/%d changes", b, p).isNotEqualTo(h[k]);
            } else {
                after++;
                if (m[k] == a[k]) sameAfter++;
            }
        }
        assertThat(changedBefore).as("values changed before the image's place").isZero();
        // after it, the rows are exactly those of image_mask: all (a row's attention and MLP read only itself and the image)
        assertThat(sameAfter).isEqualTo(after);
    }

    @Test
    void gradientsWithTheMaskMatchFiniteDifferences() {
        CrossAttentionFusion f = fusion(CrossAttentionFusion.ImageMask.MLLAMA);
        GraphBuilder g = new GraphBuilder();
        Value image = f.projectImage(g, g.input("features", DType.F32, (long) B, (long) P, (long) DV));
        Value x = g.input("hidden", DType.F32, (long) B, (long) T, (long) D);
        LanguageModel.LayerHook hook = f.layerHook(g, image, g.input("image_rows", DType.F32, (long) B, (long) T, (long) P));
        for (int layer : BLOCKS) x = hook.afterLayer(g, layer, x);
        GradientCheck.lossOf(g, x);
        Graph graph = g.build();
        List<String> trainable = new ArrayList<>(graph.weights().keySet());
        Map<String, double[]> grads = GradientCheck.check(graph, CrossAttentionFusionTest.weights(graph, 25, 0.6, DType.F64), feeds(26), trainable, 3, 27);
        // closed or open, the gates learn from the rows after the image
        assertThat(Math.abs(grads.get("fusion/blocks.0.cross_attn_attn_gate")[0])).isGreaterThan(1e-9);
    }

    @Test
    void throughTheRealDecoderTheLogitsBeforeTheImageAreTheBaseModelsBitForBit() {
        CrossAttentionFusion f = new CrossAttentionFusion(List.of(0, 1), DV, D, HEADS, KV, HD, INTER, 1e-6, CrossAttentionFusion.ImageMask.MLLAMA);
        long[] ids = {3, 17, 5, 29, 1, 8};
        int start = 3;
        Qwen2LanguageModel dec = new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), CrossAttentionFusionTest.LLM, ChatMl.chatMl());
        GraphBuilder g = new GraphBuilder();
        Value idv = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "seq");
        Value image = f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV));
        LanguageModel.LayerHook hook = f.layerHook(g, image, g.input("image_rows", DType.F32, 1L, "seq", (long) P));
        var out = dec.decode(g, new LanguageModel.DecoderInput(dec.embed(g, idv), pos, mask, List.of(), List.of(), hook));
        g.output("logits", dec.logits(g, out.hidden()));
        Graph fused = g.build();
        Map<String, Tensor> w = CrossAttentionFusionTest.weights(fused, 31, 0.8, DType.F32);   // gates open
        Map<String, Tensor> feeds = new HashMap<>(CrossAttentionFusionTest.lmFeeds(ids, CrossAttentionFusionTest.randomFeatures(32)));
        float[] rows = new float[ids.length * P];
        java.util.Arrays.fill(rows, start * P, ids.length * P, 1f);
        feeds.put("image_rows", Tensor.ofFloats(rows, 1, ids.length, P));
        float[] withImage = CrossAttentionFusionTest.run(fused, w, feeds, DType.F32).get("logits").toFloats();
        float[] base = CrossAttentionFusionTest.run(CrossAttentionFusionTest.lmGraph(null), w, CrossAttentionFusionTest.lmFeeds(ids, null), DType.F32)
                .get("logits").toFloats();
        int v = CrossAttentionFusionTest.VOCAB;
        for (int p = 0; p < ids.length; p++) {
            float[] a = java.util.Arrays.copyOfRange(withImage, p * v, (p + 1) * v), b = java.util.Arrays.copyOfRange(base, p * v, (p + 1) * v);
            // causal self-attention: a row before the image sees only rows the blocks left alone
            if (p < start) assertThat(a).as("position %d, before the image", p).containsExactly(b);
            else assertThat(a).as("position %d, after the image", p).isNotEqualTo(b);
        }
    }

    @Test
    void theOptionIsReadAndCheckedAndTheHostMustGiveTheRows() {
        assertThat(CrossAttentionProviderTest.create(Map.of("layers", List.of(1)), 1e-6).imageMask()).isEqualTo(CrossAttentionFusion.ImageMask.ALL);
        CrossAttentionFusion m = CrossAttentionProviderTest.create(Map.of("layers", List.of(1), "image_mask", "mllama"), 1e-6);
        assertThat(m.imageMask()).isEqualTo(CrossAttentionFusion.ImageMask.MLLAMA);
        assertThat(m.readsImageRows()).isTrue();
        assertThat(fusion(CrossAttentionFusion.ImageMask.ALL).readsImageRows()).isFalse();
        assertThatThrownBy(() -> CrossAttentionProviderTest.create(Map.of("layers", List.of(1), "image_mask", "causal"), 1e-6))
                .isInstanceOf(ConfigException.class).hasMessageContaining("image_mask").hasMessageContaining("all or mllama")
                .hasMessageContaining("causal");
        GraphBuilder g = new GraphBuilder();
        Value image = m.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV));
        assertThatThrownBy(() -> m.layerHook(g, image)).isInstanceOf(IllegalStateException.class).hasMessageContaining("image_rows");
    }
}
