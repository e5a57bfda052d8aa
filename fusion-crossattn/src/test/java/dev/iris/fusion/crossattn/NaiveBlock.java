package dev.iris.fusion.crossattn;

import dev.iris.api.tensor.Tensor;
import java.util.Map;

/** A gated cross-attention block in plain Java, written from its definition (Llama 3.2 Vision's layer). */
final class NaiveBlock {
    private NaiveBlock() {}

    /** One block after a decoder layer: hidden states [T][d] reading image features [patches][dv]. */
    static double[][] forward(Map<String, Tensor> w, String group, String p, double[][] hidden, double[][] f,
                              int d, int heads, int kv, int hd, int inter, double eps) {
        return forward(w, group, p, hidden, f, d, heads, kv, hd, inter, eps, null);
    }

    /**
     * With Mllama's cross-attention mask: {@code rows[i]} is 1 when position i comes at or after
     * the image's place, 0 when the block must add nothing to it (null: every row attends).
     */
    static double[][] forward(Map<String, Tensor> w, String group, String p, double[][] hidden, double[][] f,
                              int d, int heads, int kv, int hd, int inter, double eps, double[] rows) {
        int t = hidden.length, patches = f.length;
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) x[i] = hidden[i].clone();
        double[][] memory = lin(f, w.get(group + "image_projection.weight").toDoubles(), w.get(group + "image_projection.bias").toDoubles(), d);
        double[][] k = lin(memory, w.get(group + p + "cross_attn.k_proj.weight").toDoubles(), null, kv * hd);
        double[][] v = lin(memory, w.get(group + p + "cross_attn.v_proj.weight").toDoubles(), null, kv * hd);
        headNorm(k, kv, hd, w.get(group + p + "cross_attn.k_norm.weight").toDoubles(), eps);
        double[][] h = rms(x, w.get(group + p + "input_layernorm.weight").toDoubles(), eps);
        double[][] q = lin(h, w.get(group + p + "cross_attn.q_proj.weight").toDoubles(), null, heads * hd);
        headNorm(q, heads, hd, w.get(group + p + "cross_attn.q_norm.weight").toDoubles(), eps);
        double[][] attn = new double[t][heads * hd];
        int rep = heads / kv;
        for (int head = 0; head < heads; head++) {
            int kh = head / rep;
            for (int i = 0; i < t; i++) {
                double[] s = new double[patches];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < patches; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += q[i][head * hd + e] * k[j][kh * hd + e];
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j < patches; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < patches; j++) for (int e = 0; e < hd; e++) attn[i][head * hd + e] += s[j] / sum * v[j][kh * hd + e];
            }
        }
        double[][] o = lin(attn, w.get(group + p + "cross_attn.o_proj.weight").toDoubles(), null, d);
        double ga = Math.tanh(w.get(group + p + "cross_attn_attn_gate").toDoubles()[0]);
        for (int i = 0; i < t; i++) {
            if (rows != null && rows[i] == 0) continue;   // a row before the image: it reads nothing from it
            for (int j = 0; j < d; j++) x[i][j] += ga * o[i][j];
        }
        double[][] h2 = rms(x, w.get(group + p + "post_attention_layernorm.weight").toDoubles(), eps);
        double[][] gate = lin(h2, w.get(group + p + "mlp.gate_proj.weight").toDoubles(), null, inter);
        double[][] up = lin(h2, w.get(group + p + "mlp.up_proj.weight").toDoubles(), null, inter);
        for (int i = 0; i < t; i++) for (int j = 0; j < inter; j++) gate[i][j] = gate[i][j] / (1 + Math.exp(-gate[i][j])) * up[i][j];
        double[][] mlp = lin(gate, w.get(group + p + "mlp.down_proj.weight").toDoubles(), null, d);
        double gm = Math.tanh(w.get(group + p + "cross_attn_mlp_gate").toDoubles()[0]);
        for (int i = 0; i < t; i++) {
            if (rows != null && rows[i] == 0) continue;
            for (int j = 0; j < d; j++) x[i][j] += gm * mlp[i][j];
        }
        return x;
    }

    private static double[][] lin(double[][] x, double[] wt, double[] b, int out) {
        int in = x[0].length;
        double[][] o = new double[x.length][out];
        for (int i = 0; i < x.length; i++) for (int r = 0; r < out; r++) {
            double s = b == null ? 0 : b[r];
            for (int c = 0; c < in; c++) s += x[i][c] * wt[r * in + c];
            o[i][r] = s;
        }
        return o;
    }

    private static double[][] rms(double[][] x, double[] g, double eps) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) ms += v * v;
            double r = 1 / Math.sqrt(ms / x[i].length + eps);
            o[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) o[i][j] = x[i][j] * r * g[j];
        }
        return o;
    }

    /** RMS norm over each head's slice of a row. */
    private static void headNorm(double[][] x, int heads, int hd, double[] g, double eps) {
        for (double[] row : x) for (int h = 0; h < heads; h++) {
            double ms = 0;
            for (int e = 0; e < hd; e++) ms += row[h * hd + e] * row[h * hd + e];
            double r = 1 / Math.sqrt(ms / hd + eps);
            for (int e = 0; e < hd; e++) row[h * hd + e] = row[h * hd + e] * r * g[e];
        }
    }
}
