package dev.iris.testkit;

import dev.iris.api.graph.RopeScaling;
import dev.iris.api.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain-Java Llama-family decoder forward pass (LlamaForCausalLM's names and maths: RMS norm,
 * grouped-query attention with rotate-half rotary embeddings, SwiGLU MLP, optional biases and
 * rope scaling), written from the model's definition in double precision, for checking a
 * plugin's graph. A family is its {@link Shape}: Qwen2 is Llama with q/k/v biases.
 */
public final class NaiveDecoder {

    /**
     * The sizes and switches of one decoder.
     *
     * @param qkvBias    biases on q, k and v
     * @param outputBias a bias on o
     * @param mlpBias    biases on gate, up and down
     */
    public record Shape(int hiddenSize, int layers, int heads, int kvHeads, int headDim, int intermediateSize, int vocabSize,
                        double ropeTheta, RopeScaling ropeScaling, double rmsEps, boolean tiedEmbeddings,
                        boolean qkvBias, boolean outputBias, boolean mlpBias) {}

    private final Shape c;
    private final Map<String, float[]> w;

    /** @param weights by their Hugging Face names ({@code model.layers.0.self_attn.q_proj.weight}, ...) */
    public NaiveDecoder(Shape shape, Map<String, float[]> weights) {
        this.c = shape;
        this.w = weights;
    }

    /** The {@link LanguageModelContract}'s reference for weights qualified by {@code group} ({@code llm/...}). */
    public static NaiveLanguageModel of(Shape shape, String group) {
        return (weights, ids) -> {
            Map<String, float[]> w = new HashMap<>();
            weights.forEach((q, t) -> w.put(q.substring(group.length() + 1), t.toFloats()));
            return new NaiveDecoder(shape, w).logits(ids);
        };
    }

    /**
     * The rotary inverse frequencies theta^(-2i/d), stretched as the rope scaling says:
     * linear divides all by the factor; llama3 divides those whose wavelength 2π/f exceeds
     * original/low by the factor, keeps those under original/high, and in between mixes
     * (1-s)·f/factor + s·f with s = (original/wavelength - low) / (high - low).
     */
    public static double[] inverseFrequencies(double theta, int headDim, RopeScaling scaling) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            double base = Math.pow(theta, -2.0 * i / headDim);
            f[i] = switch (scaling) {
                case RopeScaling.None n -> base;
                case RopeScaling.Linear l -> base / l.factor();
                case RopeScaling.Llama3 l -> {
                    double wavelength = 2 * Math.PI / base;
                    if (wavelength < l.originalMaxPositions() / l.highFreqFactor()) yield base;
                    if (wavelength > l.originalMaxPositions() / l.lowFreqFactor()) yield base / l.factor();
                    double s = (l.originalMaxPositions() / wavelength - l.lowFreqFactor()) / (l.highFreqFactor() - l.lowFreqFactor());
                    yield (1 - s) * base / l.factor() + s * base;
                }
            };
        }
        return f;
    }

    /** Logits [T][vocab] for one sequence whose tokens sit at positions 0..T-1. */
    public double[][] logits(long[] ids) {
        int t = ids.length, d = c.hiddenSize(), hd = c.headDim();
        double[] invFreq = inverseFrequencies(c.ropeTheta(), hd, c.ropeScaling() == null ? RopeScaling.NONE : c.ropeScaling());
        double[][] x = new double[t][d];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) for (int j = 0; j < d; j++) x[i][j] = emb[(int) ids[i] * d + j];
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] h = rms(x, w.get(p + "input_layernorm.weight"));
            double[][] q = lin(h, p + "self_attn.q_proj", c.qkvBias(), c.heads() * hd);
            double[][] k = lin(h, p + "self_attn.k_proj", c.qkvBias(), c.kvHeads() * hd);
            double[][] v = lin(h, p + "self_attn.v_proj", c.qkvBias(), c.kvHeads() * hd);
            rope(q, c.heads(), invFreq);
            rope(k, c.kvHeads(), invFreq);
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
            add(x, lin(attn, p + "self_attn.o_proj", c.outputBias(), d));
            double[][] h2 = rms(x, w.get(p + "post_attention_layernorm.weight"));
            double[][] gate = lin(h2, p + "mlp.gate_proj", c.mlpBias(), c.intermediateSize());
            double[][] up = lin(h2, p + "mlp.up_proj", c.mlpBias(), c.intermediateSize());
            for (int i = 0; i < t; i++) for (int j = 0; j < c.intermediateSize(); j++) {
                double gv = gate[i][j];
                gate[i][j] = gv / (1 + Math.exp(-gv)) * up[i][j];
            }
            add(x, lin(gate, p + "mlp.down_proj", c.mlpBias(), d));
        }
        double[][] out = rms(x, w.get("model.norm.weight"));
        return lin(out, w.get(c.tiedEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight"), null, c.vocabSize());
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

    private double[][] lin(double[][] x, String name, boolean bias, int out) {
        return lin(x, w.get(name + ".weight"), bias ? w.get(name + ".bias") : null, out);
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

    /** Rotate-half rotary embedding at positions 0..T-1: pairs (i, i + hd/2) turn by position · invFreq[i]. */
    private void rope(double[][] x, int heads, double[] invFreq) {
        int hd = c.headDim(), half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) for (int h = 0; h < heads; h++) {
            int o = h * hd;
            for (int i = 0; i < half; i++) {
                double a = pos * invFreq[i], cos = Math.cos(a), sin = Math.sin(a);
                double x1 = x[pos][o + i], x2 = x[pos][o + i + half];
                x[pos][o + i] = x1 * cos - x2 * sin;
                x[pos][o + i + half] = x2 * cos + x1 * sin;
            }
        }
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[i].length; j++) x[i][j] += y[i][j];
    }
}
