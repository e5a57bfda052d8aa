package dev.iris.llm.qwen;

import java.util.Map;

/** A plain-Java Qwen2 forward pass written from the model's definition, for checking the graph. */
final class NaiveQwen2 {
    private final Qwen2Config c;
    private final Map<String, float[]> w;

    NaiveQwen2(Qwen2Config c, Map<String, float[]> weights) {
        this.c = c;
        this.w = weights;
    }

    /** Logits [T][vocab] for one sequence whose tokens sit at positions 0..T-1. */
    double[][] logits(long[] ids) {
        int t = ids.length, d = c.hiddenSize(), hd = c.headDim();
        double[][] x = new double[t][d];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) x[i][j] = emb[(int) ids[i] * d + j];
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] h = rms(x, w.get(p + "input_layernorm.weight"));
            double[][] q = lin(h, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"), c.heads() * hd);
            double[][] k = lin(h, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"), c.kvHeads() * hd);
            double[][] v = lin(h, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"), c.kvHeads() * hd);
            rope(q, c.heads());
            rope(k, c.kvHeads());
            double[][] attn = new double[t][c.heads() * hd];
            int rep = c.heads() / c.kvHeads();
            for (int head = 0; head < c.heads(); head++) {
                int kvh = head / rep;
                for (int i = 0; i < t; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += q[i][head * hd + e] * k[j][kvh * hd + e];
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= i; j++) for (int e = 0; e < hd; e++) attn[i][head * hd + e] += s[j] / sum * v[j][kvh * hd + e];
                }
            }
            add(x, lin(attn, w.get(p + "self_attn.o_proj.weight"), null, d));
            double[][] h2 = rms(x, w.get(p + "post_attention_layernorm.weight"));
            double[][] gate = lin(h2, w.get(p + "mlp.gate_proj.weight"), null, c.intermediateSize());
            double[][] up = lin(h2, w.get(p + "mlp.up_proj.weight"), null, c.intermediateSize());
            for (int i = 0; i < t; i++) for (int j = 0; j < c.intermediateSize(); j++) {
                double gv = gate[i][j];
                gate[i][j] = gv / (1 + Math.exp(-gv)) * up[i][j];
            }
            add(x, lin(gate, w.get(p + "mlp.down_proj.weight"), null, d));
        }
        double[][] out = rms(x, w.get("model.norm.weight"));
        float[] head = w.get(c.tiedEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
        return lin(out, head, null, c.vocabSize());
    }

    private double[][] rms(double[][] x, float[] g) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) ms += v * v;
            double r = 1 / Math.sqrt(ms / x[i].length + c.rmsEps());
            o[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) o[i][j] = x[i][j] * r * g[j];
        }
        return o;
    }

    private static double[][] lin(double[][] x, float[] wt, float[] b, int out) {
        int in = x[0].length;
        double[][] o = new double[x.length][out];
        for (int i = 0; i < x.length; i++) for (int r = 0; r < out; r++) {
            double s = b == null ? 0 : b[r];
            for (int k = 0; k < in; k++) s += x[i][k] * wt[r * in + k];
            o[i][r] = s;
        }
        return o;
    }

    /** Rotate-half rotary embedding at positions 0..T-1. */
    private void rope(double[][] x, int heads) {
        int hd = c.headDim(), half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) for (int h = 0; h < heads; h++) {
            double[] rot = new double[hd];
            for (int i = 0; i < hd; i++) {
                int fi = i % half;
                double invFreq = 1.0 / Math.pow(c.ropeTheta(), 2.0 * fi / hd);
                double a = pos * invFreq;
                double xi = x[pos][h * hd + i];
                double partner = i < half ? -x[pos][h * hd + i + half] : x[pos][h * hd + i - half];
                rot[i] = xi * Math.cos(a) + partner * Math.sin(a);
            }
            System.arraycopy(rot, 0, x[pos], h * hd, hd);
        }
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[i].length; j++) x[i][j] += y[i][j];
    }
}
