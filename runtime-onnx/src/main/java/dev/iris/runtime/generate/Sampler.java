package dev.iris.runtime.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: repetition penalty (as in CTRL and Hugging Face: positive
 * logits divided, negative multiplied), then greedy when temperature is 0, else temperature,
 * top-k and top-p (nucleus) filtering and a draw from a seeded generator.
 */
public final class Sampler {

    /** Sampling settings; {@code topK = 0} and {@code topP = 1} disable those filters. */
    public record Settings(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
        public Settings {
            if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
            if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
            if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }

        public static Settings greedy() {
            return new Settings(0, 0, 1, 1, 0);
        }
    }

    private final Settings settings;
    private final Random random;
    private final boolean[] seen;
    private double[] probs = new double[0];

    /** @param vocab the logits' length */
    public Sampler(Settings settings, int vocab) {
        this.settings = settings;
        this.random = new Random(settings.seed());
        this.seen = new boolean[vocab];
    }

    /** Marks ids as already present (the prompt and generated tokens) for the repetition penalty. */
    public void observe(long id) {
        if (id >= 0 && id < seen.length) seen[(int) id] = true;
    }

    public int next(float[] logits) {
        if (logits.length != seen.length) throw new IllegalArgumentException("expected " + seen.length + " logits, got " + logits.length);
        double penalty = settings.repetitionPenalty();
        int n = logits.length;
        if (probs.length != n) probs = new double[n];
        for (int i = 0; i < n; i++) {
            double l = logits[i];
            if (penalty != 1 && seen[i]) l = l > 0 ? l / penalty : l * penalty;
            probs[i] = l;
        }
        if (settings.temperature() == 0) return argmax(probs);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, probs[i] / settings.temperature());
        double sum = 0;
        for (int i = 0; i < n; i++) sum += probs[i] = Math.exp(probs[i] / settings.temperature() - max);
        for (int i = 0; i < n; i++) probs[i] /= sum;
        if (settings.topK() > 0 || settings.topP() < 1) {
            int[] order = topCandidates(probs);
            int keep = order.length;
            if (settings.topK() > 0) keep = Math.min(keep, settings.topK());
            if (settings.topP() < 1) {
                double cum = 0;
                int k = 0;
                while (k < keep) {
                    cum += probs[order[k]];
                    k++;
                    if (cum >= settings.topP()) break;   // the smallest set reaching top_p
                }
                keep = k;
            }
            double kept = 0;
            for (int i = 0; i < keep; i++) kept += probs[order[i]];
            double r = random.nextDouble() * kept;
            for (int i = 0; i < keep; i++) {
                r -= probs[order[i]];
                if (r <= 0) return order[i];
            }
            return order[keep - 1];
        }
        double r = random.nextDouble();
        for (int i = 0; i < n; i++) {
            r -= probs[i];
            if (r <= 0) return i;
        }
        return argmax(probs);
    }

    /**
     * Token ids by falling probability (ties: lower id first), as many as top-k and top-p need:
     * the best 64 are found without sorting the whole vocabulary, and the net widens only when
     * they do not yet reach top_p.
     */
    private int[] topCandidates(double[] p) {
        int n = p.length;
        // float bits of a non-negative float order like the float; the complemented id makes lower ids win ties
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = ((long) Float.floatToIntBits((float) p[i]) << 32) | (0xffffffffL - i);
        for (int want = Math.min(n, 64); ; want = Math.min(n, want * 8)) {
            int[] best = best(keys, want);
            double cum = 0;
            for (int id : best) cum += p[id];
            boolean enoughK = settings.topK() > 0 && settings.topK() <= want;
            // enough when every candidate top-k or top-p could keep is among them
            if (want == n || enoughK || cum >= settings.topP()) return best;
        }
    }

    /** The {@code want} largest keys' ids, by falling probability: a bounded min-heap, or one sort when most are wanted. */
    private static int[] best(long[] keys, int want) {
        long[] top;
        if (want * 4L >= keys.length) {
            top = keys.clone();
            Arrays.sort(top);
            top = Arrays.copyOfRange(top, top.length - want, top.length);
        } else {
            top = new long[want];
            int size = 0;
            for (long k : keys) {
                if (size < want) {
                    top[size++] = k;
                    if (size == want) heapify(top);
                } else if (k > top[0]) {
                    top[0] = k;
                    siftDown(top, 0);
                }
            }
            Arrays.sort(top);
        }
        int[] out = new int[top.length];
        for (int i = 0; i < top.length; i++) out[i] = (int) (0xffffffffL - (top[top.length - 1 - i] & 0xffffffffL));
        return out;
    }

    private static void heapify(long[] h) {
        for (int i = h.length / 2 - 1; i >= 0; i--) siftDown(h, i);
    }

    /** Restores the min-heap below {@code i}. */
    private static void siftDown(long[] h, int i) {
        int n = h.length;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < n && h[l] < h[m]) m = l;
            if (r < n && h[r] < h[m]) m = r;
            if (m == i) return;
            long t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
