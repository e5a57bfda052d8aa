package dev.iris.testkit;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A language model's decoder as a test graph, the way the host feeds it: inputs {@code ids} and
 * {@code positions} [batch, seq], {@code mask} [1, 1, seq, columns] and, with the cache,
 * {@code past_key.<l>} / {@code past_value.<l>}; and the feeds for one causal sequence.
 */
public final class DecoderGraphs {
    private DecoderGraphs() {}

    /** Declares the inputs and decodes them; {@code maskColumns} is the mask's last dimension. */
    public static LanguageModel.Decoded decode(GraphBuilder g, LanguageModel model, Object batch, Object seq, Object maskColumns,
                                               boolean cache, LanguageModel.LayerHook hook) {
        Value ids = g.input("ids", DType.I64, batch, seq);
        Value pos = g.input("positions", DType.I64, batch, seq);
        Value mask = g.input("mask", DType.F32, 1L, 1L, seq, maskColumns);
        List<Value> pk = new ArrayList<>(), pv = new ArrayList<>();
        if (cache) for (int l = 0; l < model.layers(); l++) {
            pk.add(g.input("past_key." + l, DType.F32, batch, (long) model.kvHeads(), "past", (long) model.headDim()));
            pv.add(g.input("past_value." + l, DType.F32, batch, (long) model.kvHeads(), "past", (long) model.headDim()));
        }
        return model.decode(g, new LanguageModel.DecoderInput(model.embed(g, ids), pos, mask, pk, pv, hook));
    }

    /** Outputs {@code present_key.<l>} and {@code present_value.<l>} of every layer. */
    public static void outputCache(GraphBuilder g, LanguageModel.Decoded out) {
        for (int l = 0; l < out.keys().size(); l++) {
            g.output("present_key." + l, out.keys().get(l));
            g.output("present_value." + l, out.values().get(l));
        }
    }

    /** Output {@code logits} [batch, seq, vocab] of ids under a [seq, seq] mask, no cache, no hook. */
    public static Graph logits(LanguageModel model) {
        GraphBuilder g = new GraphBuilder();
        LanguageModel.Decoded out = decode(g, model, "batch", "seq", "seq", false, null);
        g.output("logits", model.logits(g, out.hidden()));
        return g.build();
    }

    /** The additive causal mask [1, 1, t, past + t]: 0 where a token may look, -inf ahead of it. */
    public static Tensor causalMask(int past, int t) {
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) for (int j = 0; j < past + t; j++) m[i * (past + t) + j] = j > past + i ? Float.NEGATIVE_INFINITY : 0f;
        return Tensor.ofFloats(m, 1, 1, t, past + t);
    }

    /** Positions [batch, t] counting from {@code from} in every row. */
    public static Tensor positions(int batch, int from, int t) {
        long[] p = new long[batch * t];
        for (int b = 0; b < batch; b++) for (int i = 0; i < t; i++) p[b * t + i] = from + i;
        return Tensor.ofLongs(p, batch, t);
    }
}
