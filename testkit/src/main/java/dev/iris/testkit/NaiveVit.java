package dev.iris.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * The pieces of a plain-Java ViT forward pass (SigLIP, CLIP), written from the models'
 * definitions with loops and double accumulation, for checking a vision plugin's graph
 * description: the patch embedding as an explicit convolution (not the reshape a description
 * uses), learned positions, and pre-norm encoder layers of bidirectional multi-head attention and
 * a two-layer MLP, every weight under Hugging Face's names. A family's naive forward composes
 * them with what differs (class token, which norms, which activation).
 */
public final class NaiveVit {
    private final Map<String, double[]> w;
    private final String prefix;
    private final int heads;
    private final double eps;
    private final DoubleUnaryOperator act;

    /**
     * @param weights checkpoint names to values
     * @param prefix  put before every weight name ({@code vision_model.})
     * @param heads   attention heads
     * @param eps     every layer norm's epsilon
     * @param act     the MLP's activation
     */
    public NaiveVit(Map<String, double[]> weights, String prefix, int heads, double eps, DoubleUnaryOperator act) {
        this.w = weights;
        this.prefix = prefix;
        this.heads = heads;
        this.eps = eps;
        this.act = act;
    }

    /** Float weights widened to double (exactly). */
    public static Map<String, double[]> widen(Map<String, float[]> weights) {
        Map<String, double[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            out.put(k, d);
        });
        return out;
    }

    /** The weight {@code prefix + name}. */
    public double[] w(String name) {
        double[] t = w.get(prefix + name);
        if (t == null) throw new IllegalArgumentException("no weight " + name);
        return t;
    }

    /**
     * {@code Conv2d(C, D, kernel p, stride p, no padding)} of {@code embeddings.patch_embedding.weight}
     * (plus {@code .bias} if {@code bias}) over one image given as channel planes [C*S*S]; the output
     * [D, gy, gx] as rows [gy * grid + gx][D].
     */
    public double[][] patchEmbedding(double[] pixels, int channels, int imageSize, int patchSize, int hidden, boolean bias) {
        int s = imageSize, p = patchSize, grid = s / p, ch = channels;
        double[] kernel = w("embeddings.patch_embedding.weight"); // [D, C, p, p]
        double[] b = bias ? w("embeddings.patch_embedding.bias") : null;
        double[][] x = new double[grid * grid][hidden];
        for (int gy = 0; gy < grid; gy++) for (int gx = 0; gx < grid; gx++) {
            int token = gy * grid + gx;
            for (int o = 0; o < hidden; o++) {
                double sum = b == null ? 0 : b[o];
                for (int ci = 0; ci < ch; ci++) for (int ky = 0; ky < p; ky++) for (int kx = 0; kx < p; kx++) {
                    sum += pixels[(ci * s + gy * p + ky) * s + gx * p + kx] * kernel[((o * ch + ci) * p + ky) * p + kx];
                }
                x[token][o] = sum;
            }
        }
        return x;
    }

    /** Adds {@code embeddings.position_embedding.weight} [T, D] to the T rows of {@code x}, in place. */
    public double[][] addPositions(double[][] x) {
        double[] pos = w("embeddings.position_embedding.weight");
        int d = x[0].length;
        for (int t = 0; t < x.length; t++) for (int o = 0; o < d; o++) x[t][o] += pos[t * d + o];
        return x;
    }

    /** Encoder layer {@code l} ({@code encoder.layers.l.*}): x + attn(ln1(x)), then x + mlp(ln2(x)), in place. */
    public double[][] layer(double[][] x, int l) {
        String pre = "encoder.layers." + l + ".";
        int d = x[0].length;
        double[][] h = layerNorm(x, pre + "layer_norm1");
        add(x, linear(attention(h, pre + "self_attn."), pre + "self_attn.out_proj", d));
        double[][] h2 = layerNorm(x, pre + "layer_norm2");
        double[][] up = linear(h2, pre + "mlp.fc1", w(pre + "mlp.fc1.bias").length);
        for (double[] row : up) for (int j = 0; j < row.length; j++) row[j] = act.applyAsDouble(row[j]);
        add(x, linear(up, pre + "mlp.fc2", d));
        return x;
    }

    /** Multi-head attention of every token over every token (scale head_dim^-1/2), heads concatenated (before out_proj). */
    private double[][] attention(double[][] h, String pre) {
        int n = h.length, d = h[0].length, hd = d / heads;
        double[][] q = linear(h, pre + "q_proj", d);
        double[][] k = linear(h, pre + "k_proj", d);
        double[][] v = linear(h, pre + "v_proj", d);
        double scale = 1 / Math.sqrt(hd);
        double[][] out = new double[n][d];
        for (int head = 0; head < heads; head++) {
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

    /** Layer norm {@code name} ({@code .weight}, {@code .bias}) over each row with the biased variance, as torch.nn.LayerNorm. */
    public double[][] layerNorm(double[][] x, String name) {
        double[] gamma = w(name + ".weight"), beta = w(name + ".bias");
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int d = x[i].length;
            double mean = 0;
            for (double v : x[i]) mean += v;
            mean /= d;
            double var = 0;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= d;
            double inv = 1 / Math.sqrt(var + eps);
            o[i] = new double[d];
            for (int j = 0; j < d; j++) o[i][j] = (x[i][j] - mean) * inv * gamma[j] + beta[j];
        }
        return o;
    }

    /** {@code x W^T + b} of the biased linear {@code name} with {@code out} outputs. */
    private double[][] linear(double[][] x, String name, int out) {
        double[] weight = w(name + ".weight"), bias = w(name + ".bias");
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

    /** A deep copy of rows. */
    public static double[][] copy(double[][] x) {
        double[][] o = new double[x.length][];
        for (int i = 0; i < x.length; i++) o[i] = x[i].clone();
        return o;
    }

    /** PyTorch's {@code gelu(approximate="tanh")}. */
    public static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** Exact GELU, {@code x/2 (1 + erf(x / sqrt 2))}. */
    public static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** OpenAI CLIP's {@code quick_gelu}, {@code x sigmoid(1.702 x)}. */
    public static double quickGelu(double x) {
        return x / (1 + Math.exp(-1.702 * x));
    }

    /** erf by its series of positive terms {@code 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (2n+1)!!}. */
    public static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 6) return Math.signum(x);
        double t = 2 * a * a, term = a, sum = a;
        for (int n = 1; term > sum * 1e-18; n++) sum += term *= t / (2 * n + 1);
        return Math.signum(x) * Math.min(1.0, 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum);
    }
}
