package dev.iris.plugins.model;

import dev.iris.api.tensor.Tensor;

/**
 * The inputs of a prompt's run through the language graph: where each position's embedding
 * comes from (text row or image row), ids that are safe to look up in the embedding table,
 * positions and the causal mask.
 */
final class PrefillFeeds {
    private PrefillFeeds() {}

    /**
     * The ids the embedding table is asked for: positions the fusion fills with the image read
     * row 0 instead of the image token, whose id may lie outside the table (a token the language
     * model's plugin added to its vocabulary). Their embeddings are replaced before the first layer.
     */
    static long[] embeddable(long[] ids, long[] splice) {
        long[] out = ids.clone();
        for (int i = 0; i < out.length; i++) if (splice[i] != i) out[i] = 0;
        return out;
    }

    static long[] identity(int n) {
        long[] index = new long[n];
        for (int i = 0; i < n; i++) index[i] = i;
        return index;
    }

    /**
     * For each position its row in [text rows; image rows]: the prompt's pads take the image rows
     * in order; positions from {@code prompt} on (tokens generated so far) are always text, as they
     * are when decoded one at a time with the cache.
     */
    static long[] spliceIndex(long[] ids, int prompt, long pad) {
        long[] index = new long[ids.length];
        int k = 0;
        for (int i = 0; i < ids.length; i++) index[i] = i < prompt && ids[i] == pad ? ids.length + k++ : i;
        return index;
    }

    static Tensor positions(int from, int count) {
        long[] p = new long[count];
        for (int i = 0; i < count; i++) p[i] = from + i;
        return Tensor.ofLongs(p, 1, count);
    }

    /** Additive causal mask [1, 1, T, past + T]. */
    static Tensor causalMask(int past, int t) {
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) for (int j = past + i + 1; j < past + t; j++) m[i * (past + t) + j] = Float.NEGATIVE_INFINITY;
        return Tensor.ofFloats(m, 1, 1, t, past + t);
    }
}
