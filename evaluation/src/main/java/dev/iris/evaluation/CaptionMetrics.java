package dev.iris.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Caption quality against one reference per hypothesis: corpus BLEU-4 and averaged ROUGE-L F1.
 *
 * <h2>Tokenization</h2>
 * {@link #tokenize(String)}: lower-case ({@link Locale#ROOT}), then a token is either a maximal run of
 * letters, combining marks and digits, or one single character that is neither such a character nor
 * white space (punctuation and symbols each stand alone). So {@code "A dog's ball, 3.5cm."} gives
 * {@code a dog ' s ball , 3 . 5cm .}. Both sides are tokenized the same way, so this only decides what
 * counts as a match; it is simpler than sacrebleu's {@code 13a} and numbers are not kept whole.
 *
 * <h2>BLEU-4</h2>
 * Papineni et al. (2002), corpus level, one reference per hypothesis, uniform weights 1/4:
 * <ul>
 *   <li>for n = 1..4, each hypothesis n-gram count is clipped by its count in that hypothesis's
 *       reference; clipped matches and hypothesis n-gram totals are summed over the whole corpus
 *       before dividing (not an average of sentence scores);</li>
 *   <li>brevity penalty over the corpus: c = hypothesis tokens, r = reference tokens,
 *       BP = 1 if c &gt; r, else exp(1 - r/c), and 0 when c = 0;</li>
 *   <li>BLEU = BP * exp(sum(log p_n) / 4), on a 0..1 scale (sacrebleu prints 100 times this).</li>
 * </ul>
 * With {@link Smoothing#NONE} (the default, as in the paper and sacrebleu's {@code smooth_method='none'})
 * any order without a match makes BLEU 0. {@link Smoothing#EXP} is sacrebleu's default
 * ({@code 'exp'}, from NIST mteval-v13a): the k-th order with zero matches counts as
 * 1 / (2^k * total_n) instead. Both give exactly 0 when no unigram matches, or when some order has no
 * hypothesis n-gram at all (sacrebleu's behaviour without {@code effective_order}). With this
 * tokenization, the numbers equal sacrebleu's on the same tokens joined by spaces, with
 * {@code tokenize='none'} and one reference stream.
 *
 * <h2>ROUGE-L</h2>
 * Lin (2004), sentence level: LCS over tokens, P = LCS/|hyp|, R = LCS/|ref|, F = 2PR/(P+R), i.e. the
 * F-measure with beta = 1 (as Google's {@code rouge-score} {@code rougeL} fmeasure; pycocoevalcap's
 * COCO ROUGE-L uses beta = 1.2 and gives other numbers). A pair where either side has no token scores 0,
 * as in {@code rouge-score}. The corpus figure is the plain mean over pairs.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CaptionMetrics {
    /** Highest n-gram order of BLEU-4. */
    public static final int MAX_ORDER = 4;

    // a word is a run of letters, marks and digits; anything else that is not a space stands alone
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{M}\\p{N}]+|[^\\s\\p{L}\\p{M}\\p{N}]",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** What BLEU does with an n-gram order that has no match. */
    public enum Smoothing {
        /** Papineni et al.: any order without a match gives BLEU 0. */
        NONE,
        /** sacrebleu's default {@code exp}: the k-th empty order counts as 1 / (2^k * total). */
        EXP
    }

    /**
     * Corpus scores and the counts behind them.
     *
     * @param bleu4            corpus BLEU-4, 0..1
     * @param rougeL           mean sentence ROUGE-L F1 (beta = 1), 0..1
     * @param sentences        number of hypothesis/reference pairs
     * @param emptyHypotheses  pairs whose hypothesis has no token
     * @param hypothesisTokens c of the brevity penalty: all hypothesis tokens
     * @param referenceTokens  r of the brevity penalty: all reference tokens
     * @param brevityPenalty   BP, 0..1
     * @param matches          clipped n-gram matches for n = 1..4 (index n-1)
     * @param totals           hypothesis n-grams for n = 1..4 (index n-1)
     */
    public record Scores(double bleu4, double rougeL, int sentences, int emptyHypotheses,
                         long hypothesisTokens, long referenceTokens, double brevityPenalty,
                         long[] matches, long[] totals) {
        public Scores {
            if (matches.length != MAX_ORDER || totals.length != MAX_ORDER)
                throw new IllegalArgumentException("matches and totals need " + MAX_ORDER + " orders");
            matches = matches.clone();
            totals = totals.clone();
        }

        @Override
        public long[] matches() {
            return matches.clone();
        }

        @Override
        public long[] totals() {
            return totals.clone();
        }

        /** Unsmoothed modified precision of order n (1..4): matches/totals, 0 when there is no n-gram. */
        public double precision(int n) {
            if (n < 1 || n > MAX_ORDER) throw new IllegalArgumentException("order " + n + " not in 1.." + MAX_ORDER);
            return totals[n - 1] == 0 ? 0 : (double) matches[n - 1] / totals[n - 1];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Scores s && Double.compare(bleu4, s.bleu4) == 0 && Double.compare(rougeL, s.rougeL) == 0
                    && sentences == s.sentences && emptyHypotheses == s.emptyHypotheses
                    && hypothesisTokens == s.hypothesisTokens && referenceTokens == s.referenceTokens
                    && Double.compare(brevityPenalty, s.brevityPenalty) == 0
                    && Arrays.equals(matches, s.matches) && Arrays.equals(totals, s.totals);
        }

        @Override
        public int hashCode() {
            return Objects.hash(bleu4, rougeL, sentences, emptyHypotheses, hypothesisTokens, referenceTokens,
                    brevityPenalty, Arrays.hashCode(matches), Arrays.hashCode(totals));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "BLEU-4 %.4f (BP %.4f, p1..p4 %s/%s), ROUGE-L %.4f, %d pairs (%d empty), c=%d r=%d",
                    bleu4, brevityPenalty, Arrays.toString(matches), Arrays.toString(totals),
                    rougeL, sentences, emptyHypotheses, hypothesisTokens, referenceTokens);
        }
    }

    private final Smoothing smoothing;

    /** Papineni BLEU without smoothing. */
    public CaptionMetrics() {
        this(Smoothing.NONE);
    }

    public CaptionMetrics(Smoothing smoothing) {
        this.smoothing = Objects.requireNonNull(smoothing, "smoothing");
    }

    public Smoothing smoothing() {
        return smoothing;
    }

    /**
     * Scores hypotheses against references, pair by pair. Empty or blank hypotheses are allowed (they add
     * reference length and no n-grams); an empty corpus scores 0.
     *
     * @throws IllegalArgumentException when the lists differ in size
     * @throws NullPointerException     for a null list or element
     */
    public Scores score(List<String> hypotheses, List<String> references) {
        if (hypotheses.size() != references.size())
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " references");
        long[] matches = new long[MAX_ORDER];
        long[] totals = new long[MAX_ORDER];
        long c = 0;
        long r = 0;
        int empty = 0;
        double rougeSum = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> hyp = tokenize(Objects.requireNonNull(hypotheses.get(i), "hypothesis " + i));
            List<String> ref = tokenize(Objects.requireNonNull(references.get(i), "reference " + i));
            c += hyp.size();
            r += ref.size();
            if (hyp.isEmpty()) empty++;
            for (int n = 1; n <= MAX_ORDER; n++) {
                Map<List<String>, Integer> refCounts = ngrams(ref, n);
                for (Map.Entry<List<String>, Integer> e : ngrams(hyp, n).entrySet()) {
                    matches[n - 1] += Math.min(e.getValue(), refCounts.getOrDefault(e.getKey(), 0));
                    totals[n - 1] += e.getValue();
                }
            }
            rougeSum += rougeLF1(hyp, ref);
        }
        double bp = brevityPenalty(c, r);
        double bleu = bp == 0 ? 0 : bp * geometricMean(matches, totals, smoothing);
        double rouge = hypotheses.isEmpty() ? 0 : rougeSum / hypotheses.size();
        return new Scores(bleu, rouge, hypotheses.size(), empty, c, r, bp, matches, totals);
    }

    /** The tokens both metrics compare (see the class comment). */
    public static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) tokens.add(m.group());
        return tokens;
    }

    /** Sentence ROUGE-L F1 (beta = 1) of one pair after {@link #tokenize}; 0 when either side is empty. */
    public static double rougeL(String hypothesis, String reference) {
        return rougeLF1(tokenize(hypothesis), tokenize(reference));
    }

    /** Length of the longest common subsequence of two token lists. */
    static int lcs(List<String> a, List<String> b) {
        // classic DP, two rows: prev[j] = LCS(a[0..i), b[0..j))
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++)
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    private static double rougeLF1(List<String> hyp, List<String> ref) {
        if (hyp.isEmpty() || ref.isEmpty()) return 0;
        int l = lcs(hyp, ref);
        if (l == 0) return 0;
        double p = (double) l / hyp.size();
        double r = (double) l / ref.size();
        return 2 * p * r / (p + r);
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
        return counts;
    }

    static double brevityPenalty(long c, long r) {
        if (c == 0) return 0;
        return c > r ? 1 : Math.exp(1 - (double) r / c);
    }

    private static double geometricMean(long[] matches, long[] totals, Smoothing smoothing) {
        // no unigram match, or an order with no n-gram at all: 0 under either rule (as sacrebleu)
        if (matches[0] == 0) return 0;
        double logSum = 0;
        int halvings = 0;
        for (int n = 0; n < MAX_ORDER; n++) {
            if (totals[n] == 0) return 0;
            double p;
            if (matches[n] > 0) {
                p = (double) matches[n] / totals[n];
            } else if (smoothing == Smoothing.EXP) {
                halvings++;
                p = 1 / (Math.pow(2, halvings) * totals[n]);
            } else {
                return 0;
            }
            logSum += Math.log(p);
        }
        return Math.exp(logSum / MAX_ORDER);
    }
}
