package dev.iris.testkit;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A one-layer, one-head causal attention model without positions, for checking the contract.
 * With {@code forgetsThePast} its cache output holds only the new keys and values (the bug the
 * cache test must catch).
 */
final class SampleLanguageModel implements LanguageModel {
    static final int D = 4, VOCAB = 7;
    private final boolean forgetsThePast;

    SampleLanguageModel(boolean forgetsThePast) {
        this.forgetsThePast = forgetsThePast;
    }

    @Override public int hiddenSize() { return D; }
    @Override public int vocabSize() { return VOCAB; }
    @Override public int layers() { return 1; }
    @Override public int kvHeads() { return 1; }
    @Override public int headDim() { return D; }
    @Override public int maxPositions() { return 64; }
    @Override public double normEps() { return 1e-6; }
    @Override public TextTokenizer tokenizer() { throw new UnsupportedOperationException("no tokenizer in the sample model"); }
    @Override public ChatTemplate chatTemplate() { throw new UnsupportedOperationException("no template in the sample model"); }
    @Override public Set<Long> stopTokenIds() { return Set.of(); }
    @Override public ImageToken imageToken() { return new ImageToken("<image>", VOCAB - 1); }

    @Override
    public Value embed(GraphBuilder g, Value ids) {
        return g.gather(g.weight("llm", "embed.weight", Init.normal(1), VOCAB, D), ids);
    }

    private static Value head(GraphBuilder g, Value x) {   // [B, T, D] to [B, 1, T, D]
        return g.transpose(g.reshape(x, 0, 0, 1, D), 0, 2, 1, 3);
    }

    @Override
    public Decoded decode(GraphBuilder g, DecoderInput in) {
        Value x = in.embeddings();
        Value q = head(g, g.linear(x, g.weight("llm", "q.weight", Init.normal(0.5), D, D), null));
        Value k = head(g, g.linear(x, g.weight("llm", "k.weight", Init.normal(0.5), D, D), null));
        Value v = head(g, g.linear(x, g.weight("llm", "v.weight", Init.normal(0.5), D, D), null));
        Value allK = in.pastKeys().isEmpty() ? k : g.concat(2, in.pastKeys().get(0), k);
        Value allV = in.pastValues().isEmpty() ? v : g.concat(2, in.pastValues().get(0), v);
        Value attn = g.attention(q, allK, allV, in.mask(), 1 / Math.sqrt(D));
        Value h = g.add(x, g.reshape(g.transpose(attn, 0, 2, 1, 3), 0, 0, D));
        h = in.hook().afterLayer(g, 0, h);
        return new Decoded(h, List.of(forgetsThePast ? k : allK), List.of(forgetsThePast ? v : allV));
    }

    @Override
    public Value logits(GraphBuilder g, Value hidden) {
        return g.linear(hidden, g.weight("llm", "head.weight", Init.normal(0.5), VOCAB, D), null);
    }

    /** The same model in plain Java. */
    static double[][] naiveLogits(Map<String, Tensor> w, long[] ids) {
        double[] emb = w.get("llm/embed.weight").toDoubles(), wq = w.get("llm/q.weight").toDoubles(), wk = w.get("llm/k.weight").toDoubles();
        double[] wv = w.get("llm/v.weight").toDoubles(), head = w.get("llm/head.weight").toDoubles();
        int t = ids.length;
        List<double[]> xs = new ArrayList<>(), qs = new ArrayList<>(), ks = new ArrayList<>(), vs = new ArrayList<>();
        for (long id : ids) {
            double[] x = new double[D];
            System.arraycopy(emb, (int) id * D, x, 0, D);
            xs.add(x);
            qs.add(mul(wq, x, D));
            ks.add(mul(wk, x, D));
            vs.add(mul(wv, x, D));
        }
        double[][] logits = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] s = new double[i + 1];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int e = 0; e < D; e++) dot += qs.get(i)[e] * ks.get(j)[e];
                s[j] = dot / Math.sqrt(D);
                max = Math.max(max, s[j]);
            }
            for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
            double[] h = xs.get(i).clone();
            for (int j = 0; j <= i; j++) for (int e = 0; e < D; e++) h[e] += s[j] / sum * vs.get(j)[e];
            logits[i] = mul(head, h, VOCAB);
        }
        return logits;
    }

    private static double[] mul(double[] w, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) for (int c = 0; c < x.length; c++) out[r] += w[r * x.length + c] * x[c];
        return out;
    }
}
