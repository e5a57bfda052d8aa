package dev.iris.runtime.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 0.0f};

    @Test
    void greedyPicksTheLargest() {
        assertThat(new Sampler(Sampler.Settings.greedy(), 5).next(LOGITS)).isEqualTo(1);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(new Sampler.Settings(0, 0, 1, 2.0, 0), 5);
        s.observe(1);                       // 3.0 / 2 = 1.5 < 2.5
        assertThat(s.next(LOGITS)).isEqualTo(2);
        Sampler t = new Sampler(new Sampler.Settings(0, 0, 1, 2.0, 0), 2);
        t.observe(0);                       // -1 * 2 = -2 < -1.5
        assertThat(t.next(new float[] {-1.0f, -1.5f})).isEqualTo(1);
    }

    @Test
    void topKOneIsGreedyWhateverTheTemperature() {
        Sampler s = new Sampler(new Sampler.Settings(5.0, 1, 1, 1, 42), 5);
        for (int i = 0; i < 50; i++) assertThat(s.next(LOGITS)).isEqualTo(1);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // probabilities at T=1: softmax(1, 3, 2.5, -1, 0) = 0.0748, 0.5525, 0.3351, 0.0101, 0.0275 (rounded)
        // top_p 0.85: {1, 2} reach 0.8876 -> only ids 1 and 2 may appear
        Sampler s = new Sampler(new Sampler.Settings(1.0, 0, 0.85, 1, 7), 5);
        int[] counts = new int[5];
        for (int i = 0; i < 4000; i++) counts[s.next(LOGITS)]++;
        Sampler wider = new Sampler(new Sampler.Settings(1.0, 0, 0.9, 1, 7), 5);   // 0.9 also needs id 0 (0.9624)
        int[] w = new int[5];
        for (int i = 0; i < 4000; i++) w[wider.next(LOGITS)]++;
        assertThat(w[0]).isPositive();
        assertThat(w[3] + w[4]).isZero();
        assertThat(counts[0] + counts[3] + counts[4]).isZero();
        // within the nucleus the draw follows the renormalised probabilities 0.6225 / 0.3775
        assertThat(counts[1] / 4000.0).isBetween(0.59, 0.66);
    }

    @Test
    void samplingFollowsTheDistributionAndIsSeeded() {
        int[] a = new int[5], b = new int[5];
        Sampler s1 = new Sampler(new Sampler.Settings(1.0, 0, 1, 1, 3), 5), s2 = new Sampler(new Sampler.Settings(1.0, 0, 1, 1, 3), 5);
        for (int i = 0; i < 20000; i++) {
            a[s1.next(LOGITS)]++;
            b[s2.next(LOGITS)]++;
        }
        assertThat(a).containsExactly(b);
        assertThat(a[1] / 20000.0).isBetween(0.535, 0.57);  // 0.5525
        assertThat(a[3] / 20000.0).isBetween(0.006, 0.015); // 0.0101
    }

    @Test
    void aLargeVocabularyNucleusMatchesAFullSort() {
        // 150k logits with a clear head and a long flat tail: the nucleus is found without sorting everything
        int v = 150_000;
        float[] logits = new float[v];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < v; i++) logits[i] = (float) r.nextGaussian();
        for (int i = 0; i < 200; i++) logits[r.nextInt(v)] += 9;
        Sampler s = new Sampler(new Sampler.Settings(1.0, 0, 0.9, 1, 11), v);
        // the reference: every id whose probability is among the top ones reaching 0.9 when fully sorted
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[v];
        for (int i = 0; i < v; i++) sum += p[i] = Math.exp(logits[i] - max);
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        java.util.Set<Integer> nucleus = new java.util.HashSet<>();
        double cum = 0;
        for (int i = 0; i < v && cum < 0.9 * sum; i++) {
            cum += p[order[i]];
            nucleus.add(order[i]);
        }
        for (int i = 0; i < 300; i++) assertThat(nucleus).contains(s.next(logits));
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new Sampler.Settings(-1, 0, 1, 1, 0)).hasMessage("temperature must be >= 0, got -1.0");
        assertThatThrownBy(() -> new Sampler.Settings(1, 0, 0, 1, 0)).hasMessage("top_p must be in (0, 1], got 0.0");
    }
}
