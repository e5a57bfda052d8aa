package dev.iris.evaluation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * CIDEr-D (Vedantam et al. 2015), computed as the COCO caption evaluation code (pycocoevalcap)
 * computes it, so the figures compare with what captioning papers report:
 * <ul>
 *   <li>tokens: {@link CaptionMetrics#tokenize} without punctuation tokens (COCO's tokenizer drops
 *       punctuation too);</li>
 *   <li>n-grams of n = 1..4, each weighted by its count in the caption times
 *       {@code log(N) - log(max(1, df))}, where N is the number of evaluated examples and df the
 *       number of examples whose references contain the n-gram: the idf comes from this
 *       evaluation's references, not from a fixed corpus;</li>
 *   <li>per order, the hypothesis vector is clipped by the reference's ({@code min(h, r) * r}) and
 *       divided by both vector norms (0 when either norm is 0);</li>
 *   <li>each order is multiplied by {@code exp(-d^2 / (2 sigma^2))} with sigma = 6, where d is the
 *       difference of the captions' lengths, counted as COCO's code counts them: in bigrams;</li>
 *   <li>an example's score is the mean over the four orders, averaged over its references, times
 *       10; the corpus score is the mean over examples.</li>
 * </ul>
 * One example alone has N = 1, so every weight is 0 and the score is 0, as in pycocoevalcap.
 */
public final class CiderD {
    public static final int MAX_ORDER = 4;
    public static final double SIGMA = 6.0;

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{M}\\p{N}]+");

    /**
     * @param corpus    the mean over examples
     * @param perCaption each example's score, in input order
     */
    public record Scores(double corpus, List<Double> perCaption) {}

    private CiderD() {}

    /** One reference per hypothesis. */
    public static Scores score(List<String> hypotheses, List<String> references) {
        return scoreMulti(hypotheses, references.stream().map(List::of).toList());
    }

    /** Several references per hypothesis. */
    public static Scores scoreMulti(List<String> hypotheses, List<List<String>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference lists");
        }
        int n = hypotheses.size();
        if (n == 0) return new Scores(0, List.of());
        List<List<Map<List<String>, Integer>>> refCounts = new ArrayList<>();
        Map<List<String>, Integer> df = new HashMap<>();
        for (List<String> refs : references) {
            List<Map<List<String>, Integer>> counts = new ArrayList<>();
            Set<List<String>> inExample = new HashSet<>();
            for (String r : refs) {
                Map<List<String>, Integer> c = ngrams(Objects.requireNonNull(r, "reference"));
                counts.add(c);
                inExample.addAll(c.keySet());
            }
            for (List<String> g : inExample) df.merge(g, 1, Integer::sum);
            refCounts.add(counts);
        }
        double logN = Math.log(n);
        List<Double> per = new ArrayList<>(n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            Vector hyp = new Vector(ngrams(Objects.requireNonNull(hypotheses.get(i), "hypothesis")), df, logN);
            double s = 0;
            for (Map<List<String>, Integer> r : refCounts.get(i)) s += similarity(hyp, new Vector(r, df, logN));
            double score = refCounts.get(i).isEmpty() ? 0 : 10.0 * s / MAX_ORDER / refCounts.get(i).size();
            per.add(score);
            sum += score;
        }
        return new Scores(sum / n, List.copyOf(per));
    }

    /** Sum over orders of the clipped, normalised products, times the length penalty. */
    private static double similarity(Vector h, Vector r) {
        double d = h.length - r.length;
        double penalty = Math.exp(-(d * d) / (2 * SIGMA * SIGMA));
        double total = 0;
        for (int k = 0; k < MAX_ORDER; k++) {
            double dot = 0;
            for (Map.Entry<List<String>, Double> e : h.weights.get(k).entrySet()) {
                double rw = r.weights.get(k).getOrDefault(e.getKey(), 0.0);
                dot += Math.min(e.getValue(), rw) * rw;
            }
            if (h.norms[k] != 0 && r.norms[k] != 0) dot /= h.norms[k] * r.norms[k];
            total += dot * penalty;
        }
        return total;
    }

    /** The tf-idf weights of one caption per order, their norms, and its length in bigrams. */
    private static final class Vector {
        final List<Map<List<String>, Double>> weights = new ArrayList<>();
        final double[] norms = new double[MAX_ORDER];
        final int length;

        Vector(Map<List<String>, Integer> counts, Map<List<String>, Integer> df, double logN) {
            for (int k = 0; k < MAX_ORDER; k++) weights.add(new HashMap<>());
            int bigrams = 0;
            for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
                int k = e.getKey().size() - 1;
                double w = e.getValue() * (logN - Math.log(Math.max(1, df.getOrDefault(e.getKey(), 0))));
                weights.get(k).put(e.getKey(), w);
                norms[k] += w * w;
                if (k == 1) bigrams += e.getValue();
            }
            for (int k = 0; k < MAX_ORDER; k++) norms[k] = Math.sqrt(norms[k]);
            length = bigrams;
        }
    }

    /** All n-grams of n = 1..4 with their counts. */
    static Map<List<String>, Integer> ngrams(String text) {
        List<String> tokens = words(text);
        Map<List<String>, Integer> out = new HashMap<>();
        for (int k = 1; k <= MAX_ORDER; k++) {
            for (int i = 0; i + k <= tokens.size(); i++) out.merge(List.copyOf(tokens.subList(i, i + k)), 1, Integer::sum);
        }
        return out;
    }

    /** The metric's tokens: words and numbers, punctuation dropped. */
    static List<String> words(String text) {
        return CaptionMetrics.tokenize(text).stream().filter(t -> WORD.matcher(t).matches()).toList();
    }
}
