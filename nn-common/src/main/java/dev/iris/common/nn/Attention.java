package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.graph.Value;

/**
 * Multi-head self-attention with grouped-query heads ({@code kvHeads} key/value heads shared by
 * {@code heads / kvHeads} query heads each; equal counts give plain multi-head attention),
 * optional rotary position embedding of queries and keys, and an optional KV cache. Queries,
 * keys and values are linear maps of the input, scores are scaled by {@code 1/sqrt(headDim)},
 * and the heads are merged and mapped back by the output projection.
 *
 * @param hiddenSize model width D (input and output)
 * @param heads      query heads
 * @param kvHeads    key/value heads; divides {@code heads}
 * @param headDim    width of one head (even when rotary is used)
 * @param qkvBias    whether the q, k and v projections have a bias (Qwen2, ViTs: yes; Llama: no)
 * @param outputBias whether the output projection has a bias (ViTs: yes; Llama, Qwen2: no)
 * @param names      the weight names of the four projections
 */
public record Attention(int hiddenSize, int heads, int kvHeads, int headDim, boolean qkvBias, boolean outputBias, Names names) {

    /** The names of the q, k, v and output projections (each has {@code .weight}, maybe {@code .bias}). */
    public record Names(String query, String key, String value, String output) {
        /** Llama, Qwen2, Mistral: {@code self_attn.{q,k,v,o}_proj}. */
        public static final Names LLAMA = new Names("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj");
        /** SigLIP, CLIP: {@code self_attn.{q,k,v,out}_proj}. */
        public static final Names VIT = new Names("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj");
    }

    /**
     * Rotary embedding of queries and keys at {@code positions} [B, T], base {@code theta}, its
     * frequencies stretched by {@code scaling} (a config's {@code rope_scaling}).
     */
    public record Rope(Value positions, double theta, RopeScaling scaling) {
        public Rope {
            if (scaling == null) scaling = RopeScaling.NONE;
        }

        /** Unscaled rotary embedding. */
        public Rope(Value positions, double theta) {
            this(positions, theta, RopeScaling.NONE);
        }
    }

    /**
     * The attention's output [B, T, D] and the keys and values it attended over [B, KV, S, hd]
     * (the past ones followed by the new ones: what a KV cache keeps for the next step).
     */
    public record Output(Value output, Value keys, Value values) {}

    public Attention {
        if (hiddenSize <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("attention sizes must be positive: hidden " + hiddenSize + ", heads " + heads
                    + ", kv heads " + kvHeads + ", head dim " + headDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: " + heads + " query heads are not a multiple of " + kvHeads + " key/value heads");
        }
        if (names == null) throw new IllegalArgumentException("attention: names are missing");
    }

    /** Bidirectional attention without positions or cache, as a ViT's layers use it. */
    public Value apply(GraphBuilder g, Weights w, Value x) {
        return apply(g, w, x, null, null, null, null).output();
    }

    /**
     * Attention of {@code x} [B, T, D] over itself and the cache.
     *
     * @param mask       additive mask broadcastable to [B, 1, T, S], or null (every position sees every one)
     * @param rope       rotary embedding, or null for none
     * @param pastKeys   cached keys [B, KV, P, hd], or null; given together with {@code pastValues}
     * @param pastValues cached values [B, KV, P, hd], or null
     */
    public Output apply(GraphBuilder g, Weights w, Value x, Value mask, Rope rope, Value pastKeys, Value pastValues) {
        if ((pastKeys == null) != (pastValues == null)) throw new IllegalArgumentException("attention: past keys and values come together");
        Value q = split(g, w.linear(g, x, names.query(), (long) heads * headDim, hiddenSize, qkvBias), heads);
        Value k = split(g, w.linear(g, x, names.key(), (long) kvHeads * headDim, hiddenSize, qkvBias), kvHeads);
        Value v = split(g, w.linear(g, x, names.value(), (long) kvHeads * headDim, hiddenSize, qkvBias), kvHeads);
        if (rope != null) {
            q = g.rotary(q, rope.positions(), rope.theta(), rope.scaling());
            k = g.rotary(k, rope.positions(), rope.theta(), rope.scaling());
        }
        if (pastKeys != null) {
            k = g.concat(2, pastKeys, k);
            v = g.concat(2, pastValues, v);
        }
        Value attended = g.attention(q, k, v, mask, 1.0 / Math.sqrt(headDim));
        Value merged = g.reshape(g.transpose(attended, 0, 2, 1, 3), 0, 0, (long) heads * headDim);
        Value out = w.linear(g, merged, names.output(), hiddenSize, (long) heads * headDim, outputBias);
        return new Output(out, k, v);
    }

    /** [B, T, n*hd] to [B, n, T, hd]. */
    private Value split(GraphBuilder g, Value x, int n) {
        return g.transpose(g.reshape(x, 0, 0, n, headDim), 0, 2, 1, 3);
    }
}
