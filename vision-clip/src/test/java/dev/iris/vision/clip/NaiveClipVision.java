package dev.iris.vision.clip;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plain-Java CLIP vision forward pass written from the model's definition (loops, double
 * accumulation), for checking the graph description: the patch embedding is an explicit
 * convolution without bias, the class embedding is token 0, every hidden state is kept.
 */
final class NaiveClipVision {
    private final ClipVisionConfig c;
    private final Map<String, double[]> w;

    /** @param weights checkpoint names ({@code vision_model.*}) to values */
    NaiveClipVision(ClipVisionConfig c, Map<String, double[]> weights) {
        this.c = c;
        this.w = weights;
    }

    private double[] w(String name) {
        double[] t = w.get("vision_model." + name);
        if (t == null) throw new IllegalArgumentException("no weight " + name);
        return t;
    }

    /** Hugging Face's {@code hidden_states}: [0] embeddings after pre_layrnorm, [i] after layer i; each [1 + N][D]. */
    List<double[][]> hiddenStates(double[] pixels) {
        return hiddenStates(pixels, c.layers());
    }

    /** The first {@code 1 + layers} hidden states (the graph asks for no weights of later layers). */
    List<double[][]> hiddenStates(double[] pixels, int layers) {
        int s = c.imageSize(), p = c.patchSize(), grid = s / p, n = grid * grid, d = c.hiddenSize(), ch = c.channels();
        double[] kernel = w("embeddings.patch_embedding.weight"); // [D, C, p, p]
        double[] cls = w("embeddings.class_embedding");            // [D]
        double[] pos = w("embeddings.position_embedding.weight");  // [1 + N, D]
        double[][] x = new double[n + 1][d];
        for (int o = 0; o < d; o++) x[0][o] = cls[o] + pos[o];
        // Conv2d(C, D, kernel p, stride p, bias=False); output [D, gy, gx] flattened to tokens 1 + gy * grid + gx
        for (int gy = 0; gy < grid; gy++) for (int gx = 0; gx < grid; gx++) {
            int token = 1 + gy * grid + gx;
            for (int o = 0; o < d; o++) {
                double sum = 0;
                for (int ci = 0; ci < ch; ci++) for (int ky = 0; ky < p; ky++) for (int kx = 0; kx < p; kx++) {
                    sum += pixels[(ci * s + gy * p + ky) * s + gx * p + kx] * kernel[((o * ch + ci) * p + ky) * p + kx];
                }
                x[token][o] = sum + pos[token * d + o];
            }
        }
        List<double[][]> states = new ArrayList<>();
        x = layerNorm(x, w("pre_layrnorm.weight"), w("pre_layrnorm.bias"));
        states.add(copy(x));
        for (int l = 0; l < layers; l++) {
            String pre = "encoder.layers." + l + ".";
            double[][] h = layerNorm(x, w(pre + "layer_norm1.weight"), w(pre + "layer_norm1.bias"));
            add(x, linear(attention(h, pre + "self_attn."), w(pre + "self_attn.out_proj.weight"), w(pre + "self_attn.out_proj.bias"), d));
            double[][] h2 = layerNorm(x, w(pre + "layer_norm2.weight"), w(pre + "layer_norm2.bias"));
            double[][] up = linear(h2, w(pre + "mlp.fc1.weight"), w(pre + "mlp.fc1.bias"), c.intermediateSize());
            for (double[] row : up) for (int j = 0; j < row.length; j++) row[j] = act(row[j]);
            add(x, linear(up, w(pre + "mlp.fc2.weight"), w(pre + "mlp.fc2.bias"), d));
            states.add(copy(x));
        }
        return states;
    }

    /** LLaVA's features: hidden_states[layer] (negative from the end), without the class token unless full. */
    double[][] features(double[] pixels, int layer, boolean full) {
        int index = layer < 0 ? c.layers() + 1 + layer : layer;
        double[][] h = hiddenStates(pixels, index).get(index);
        return full ? h : java.util.Arrays.copyOfRange(h, 1, h.length);
    }

    /** {@code pooler_output}: post_layernorm of the last layer's class token. */
    double[] pooled(double[] pixels) {
        List<double[][]> states = hiddenStates(pixels);
        double[][] cls = {states.get(states.size() - 1)[0]};
        return layerNorm(cls, w("post_layernorm.weight"), w("post_layernorm.bias"))[0];
    }

    private double act(double v) {
        return switch (c.hiddenAct()) {
            case "quick_gelu" -> v / (1 + Math.exp(-1.702 * v));
            case "gelu" -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            default -> throw new IllegalArgumentException(c.hiddenAct());
        };
    }

    /** erf by its series of positive terms {@code 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (2n+1)!!}. */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 6) return Math.signum(x);
        double t = 2 * a * a, term = a, sum = a;
        for (int n = 1; term > sum * 1e-18; n++) sum += term *= t / (2 * n + 1);
        return Math.signum(x) * Math.min(1.0, 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum);
    }

    /** Multi-head attention of every token over every token (scale head_dim^-1/2), heads concatenated. */
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
    private double[][] layerNorm(double[][] x, double[] gamma, double[] beta) {
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

    private static double[][] linear(double[][] x, double[] weight, double[] bias, int out) {
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

    private static double[][] copy(double[][] x) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) o[i] = x[i].clone();
        return o;
    }
}
