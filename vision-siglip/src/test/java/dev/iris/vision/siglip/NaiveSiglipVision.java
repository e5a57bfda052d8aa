package dev.iris.vision.siglip;

import java.util.Map;

/**
 * A plain-Java SigLIP vision forward pass written from the model's definition (loops, double
 * accumulation), for checking the graph description: the patch embedding is an explicit
 * convolution, not the reshape the description uses.
 */
final class NaiveSiglipVision {
    private final SiglipVisionConfig c;
    private final Map<String, float[]> w;

    NaiveSiglipVision(SiglipVisionConfig c, Map<String, float[]> weights) {
        this.c = c;
        this.w = weights;
    }

    private float[] w(String name) {
        float[] t = w.get("vision_model." + name);
        if (t == null) throw new IllegalArgumentException("no weight " + name);
        return t;
    }

    /** {@code last_hidden_state} [N][D] of one image given as channel planes [C*S*S]. */
    double[][] lastHiddenState(float[] pixels) {
        int s = c.imageSize(), p = c.patchSize(), grid = s / p, n = grid * grid, d = c.hiddenSize(), ch = c.channels();
        float[] kernel = w("embeddings.patch_embedding.weight"); // [D, C, p, p]
        float[] bias = w("embeddings.patch_embedding.bias");
        float[] pos = w("embeddings.position_embedding.weight"); // [N, D]
        double[][] x = new double[n][d];
        // Conv2d(C, D, kernel p, stride p, no padding); output [D, gy, gx] flattened to tokens gy * grid + gx
        for (int gy = 0; gy < grid; gy++) for (int gx = 0; gx < grid; gx++) {
            int token = gy * grid + gx;
            for (int o = 0; o < d; o++) {
                double sum = bias[o];
                for (int ci = 0; ci < ch; ci++) for (int ky = 0; ky < p; ky++) for (int kx = 0; kx < p; kx++) {
                    double pix = pixels[(ci * s + gy * p + ky) * s + gx * p + kx];
                    sum += pix * kernel[((o * ch + ci) * p + ky) * p + kx];
                }
                x[token][o] = sum + pos[token * d + o];
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            String pre = "encoder.layers." + l + ".";
            double[][] h = layerNorm(x, w(pre + "layer_norm1.weight"), w(pre + "layer_norm1.bias"));
            add(x, linear(attention(h, pre + "self_attn."), w(pre + "self_attn.out_proj.weight"), w(pre + "self_attn.out_proj.bias"), d));
            double[][] h2 = layerNorm(x, w(pre + "layer_norm2.weight"), w(pre + "layer_norm2.bias"));
            double[][] up = linear(h2, w(pre + "mlp.fc1.weight"), w(pre + "mlp.fc1.bias"), c.intermediateSize());
            for (double[] row : up) for (int j = 0; j < row.length; j++) row[j] = geluTanh(row[j]);
            add(x, linear(up, w(pre + "mlp.fc2.weight"), w(pre + "mlp.fc2.bias"), d));
        }
        return layerNorm(x, w("post_layernorm.weight"), w("post_layernorm.bias"));
    }

    /** Multi-head attention of every token over every token, heads concatenated (before out_proj). */
    private double[][] attention(double[][] h, String pre) {
        int n = h.length, d = c.hiddenSize(), hd = c.headDim();
        double[][] q = linear(h, w(pre + "q_proj.weight"), w(pre + "q_proj.bias"), d);
        double[][] k = linear(h, w(pre + "k_proj.weight"), w(pre + "k_proj.bias"), d);
        double[][] v = linear(h, w(pre + "v_proj.weight"), w(pre + "v_proj.bias"), d);
        double scale = 1 / Math.sqrt(hd);
        double[][] out = new double[n][d];
        for (int head = 0; head < c.heads(); head++) {
            int off = head * hd;
            for (int i = 0; i < n; i++) {
                double[] score = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += q[i][off + e] * k[j][off + e];
                    score[j] = dot * scale;
                    max = Math.max(max, score[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += score[j] = Math.exp(score[j] - max);
                for (int j = 0; j < n; j++) for (int e = 0; e < hd; e++) out[i][off + e] += score[j] / sum * v[j][off + e];
            }
        }
        return out;
    }

    /** Layer norm over each row with the biased variance, as torch.nn.LayerNorm. */
    private double[][] layerNorm(double[][] x, float[] gamma, float[] beta) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int d = x[i].length;
            double mean = 0;
            for (double v : x[i]) mean += v;
            mean /= d;
            double var = 0;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= d;
            double inv = 1 / Math.sqrt(var + c.layerNormEps());
            o[i] = new double[d];
            for (int j = 0; j < d; j++) o[i][j] = (x[i][j] - mean) * inv * gamma[j] + beta[j];
        }
        return o;
    }

    /** PyTorch's gelu(approximate="tanh"). */
    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static double[][] linear(double[][] x, float[] weight, float[] bias, int out) {
        int in = x[0].length;
        double[][] o = new double[x.length][out];
        for (int i = 0; i < x.length; i++) for (int r = 0; r < out; r++) {
            double s = bias[r];
            for (int k = 0; k < in; k++) s += x[i][k] * weight[r * in + k];
            o[i][r] = s;
        }
        return o;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[i].length; j++) x[i][j] += y[i][j];
    }
}
