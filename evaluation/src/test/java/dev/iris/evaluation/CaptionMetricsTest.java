package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.evaluation.CaptionMetrics.Scores;
import dev.iris.evaluation.CaptionMetrics.Smoothing;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionMetricsTest {
    static final double EPS = 1e-12;
    final CaptionMetrics papineni = new CaptionMetrics();
    final CaptionMetrics exp = new CaptionMetrics(Smoothing.EXP);

    @Test
    void tokenizeLowercasesAndSplitsOffPunctuation() {
        assertThat(CaptionMetrics.tokenize("A dog's ball, 3.5cm."))
                .containsExactly("a", "dog", "'", "s", "ball", ",", "3", ".", "5cm", ".");
        assertThat(CaptionMetrics.tokenize("  Hello,world\t(X-ray)\u00a0Ünïcode ")).containsExactly(
                "hello", ",", "world", "(", "x", "-", "ray", ")", "ünïcode");
        assertThat(CaptionMetrics.tokenize(" \n ")).isEmpty();
    }

    @Test
    void identicalTextsScoreOne() {
        List<String> text = List.of("A chest X-ray showing clear lungs.", "The cat sat on the mat");
        Scores s = papineni.score(text, text);
        assertThat(s.bleu4()).isEqualTo(1.0);
        assertThat(s.rougeL()).isEqualTo(1.0);
        assertThat(s.brevityPenalty()).isEqualTo(1.0);
        // case and spacing around punctuation do not matter after tokenization
        assertThat(papineni.score(List.of("The CAT, sat."), List.of("the cat ,sat .")).bleu4()).isEqualTo(1.0);
    }

    @Test
    void noOverlapScoresZero() {
        Scores s = papineni.score(List.of("a red car"), List.of("the blue sky is clear"));
        assertThat(s.bleu4()).isZero();
        assertThat(s.rougeL()).isZero();
        assertThat(s.matches()).containsExactly(0, 0, 0, 0);
        assertThat(exp.score(List.of("a red car"), List.of("the blue sky is clear")).bleu4()).isZero();
    }

    /** Papineni et al. 2002, section 2.1, example 2: modified unigram precision 2/7. */
    @Test
    void papineniClippingExample() {
        List<String> hyp = List.of("the the the the the the the");
        List<String> ref = List.of("The cat is on the mat.");  // "the" twice: the clip
        Scores s = papineni.score(hyp, ref);
        assertThat(s.matches()[0]).isEqualTo(2);
        assertThat(s.totals()[0]).isEqualTo(7);
        assertThat(s.precision(1)).isEqualTo(2.0 / 7);
        // no bigram "the the" in the reference: unsmoothed BLEU is 0
        assertThat(s.bleu4()).isZero();

        // exp smoothing, the reference tokenized without the final "." (so r = 6 < c = 7, BP = 1):
        // p = 2/7, 1/(2*6), 1/(4*5), 1/(8*4) -> (2/53760)^(1/4) = (1/26880)^(1/4) = 0.0780984984...
        // NLTK 3.8 corpus_bleu with SmoothingFunction().method3 (the same rule) gives 0.07809849842300641
        Scores e = exp.score(hyp, List.of("the cat is on the mat"));
        assertThat(e.brevityPenalty()).isEqualTo(1.0);
        assertThat(e.bleu4()).isCloseTo(Math.pow(1.0 / 26880, 0.25), within(EPS));
        assertThat(e.bleu4()).isCloseTo(0.07809849842300641, within(EPS));
    }

    @Test
    void oneSentenceByHand() {
        // hyp: the cat sat on the mat      ref: the cat is on the mat   (c = r = 6, BP = 1)
        // 1-grams: the x2, cat, on, mat match; sat not              -> 5/6
        // 2-grams: the cat, on the, the mat match; cat sat, sat on  -> 3/5
        // 3-grams: on the mat                                       -> 1/4
        // 4-grams: none of 3                                        -> 0/3
        List<String> hyp = List.of("the cat sat on the mat");
        List<String> ref = List.of("the cat is on the mat");
        Scores s = papineni.score(hyp, ref);
        assertThat(s.matches()).containsExactly(5, 3, 1, 0);
        assertThat(s.totals()).containsExactly(6, 5, 4, 3);
        assertThat(s.bleu4()).isZero();  // Papineni: an empty order zeroes the geometric mean
        // exp: p4 = 1/(2*3) -> (5/6 * 3/5 * 1/4 * 1/6)^(1/4) = (1/48)^(1/4) = 0.379917842...
        assertThat(exp.score(hyp, ref).bleu4()).isCloseTo(Math.pow(1.0 / 48, 0.25), within(EPS));
        // ROUGE-L: LCS "the cat on the mat" = 5, P = R = 5/6, F1 = 5/6
        assertThat(s.rougeL()).isCloseTo(5.0 / 6, within(EPS));
    }

    @Test
    void corpusLevelSumsCountsAndAppliesBrevityPenaltyOnce() {
        // A: hyp the dog runs in the park (6)   ref the dog runs in the green park (7)
        //    1-g 6/6; 2-g the dog, dog runs, runs in, in the = 4/5; 3-g 3/4 (in the park misses); 4-g 2/3
        // B: hyp = ref = a cat sleeps (3): 1-g 3/3, 2-g 2/2, 3-g 1/1, 4-g 0/0 (too short: adds nothing)
        // corpus: p = 9/9, 6/7, 4/5, 2/3; c = 9, r = 10, BP = exp(1 - 10/9) = exp(-1/9)
        // BLEU = exp(-1/9) * (1 * 6/7 * 4/5 * 2/3)^(1/4) = exp(-1/9) * (16/35)^(1/4) = 0.73579704973...
        // (NLTK gives 0.6847 here: it counts B's empty 4-gram total as 1, sacrebleu and this class as 0)
        List<String> hyp = List.of("the dog runs in the park", "a cat sleeps");
        List<String> ref = List.of("the dog runs in the green park", "a cat sleeps");
        Scores s = papineni.score(hyp, ref);
        assertThat(s.matches()).containsExactly(9, 6, 4, 2);
        assertThat(s.totals()).containsExactly(9, 7, 5, 3);
        assertThat(s.hypothesisTokens()).isEqualTo(9);
        assertThat(s.referenceTokens()).isEqualTo(10);
        assertThat(s.brevityPenalty()).isCloseTo(Math.exp(-1.0 / 9), within(EPS));
        double expected = Math.exp(-1.0 / 9) * Math.pow(16.0 / 35, 0.25);
        assertThat(s.bleu4()).isCloseTo(expected, within(EPS)).isCloseTo(0.7357970497333638, within(EPS));
        assertThat(exp.score(hyp, ref).bleu4()).isEqualTo(s.bleu4());  // every order matched: no smoothing
        // ROUGE-L: A LCS 6, P = 1, R = 6/7, F1 = 2*6/(6+7) = 12/13; B 1; mean = (12/13 + 1)/2 = 25/26
        assertThat(s.rougeL()).isCloseTo(25.0 / 26, within(EPS));
        assertThat(s.sentences()).isEqualTo(2);
    }

    /** A small caption corpus where NLTK's corpus_bleu equals sacrebleu's (every hypothesis has 4+ tokens). */
    @Test
    void matchesNltkOnACaptionCorpus() {
        List<String> hyp = List.of(
                "a chest x - ray showing the heart and the lungs .",
                "an ct scan of the abdomen with a large mass in the liver .",
                "mri of the brain , showing a lesion .",
                "a photo of a skin rash on the arm",
                "the image shows a fracture of the left femur .");
        List<String> ref = List.of(
                "chest x - ray showing a normal heart and clear lungs .",
                "axial ct scan of the abdomen showing a large mass in the right lobe of the liver .",
                "brain mri showing a lesion in the left frontal lobe .",
                "a skin rash on the forearm .",
                "x - ray of the left femur showing a fracture .");
        // NLTK 3.8 corpus_bleu, no smoothing and method3 alike, on the same whitespace tokens
        double nltk = 0.39087751744100074;
        assertThat(papineni.score(hyp, ref).bleu4()).isCloseTo(nltk, within(EPS));
        assertThat(exp.score(hyp, ref).bleu4()).isCloseTo(nltk, within(EPS));
        // ROUGE-L F1 = 2*LCS/(|h|+|r|): LCS/|h|/|r| = 9/12/12, 12/14/18, 5/9/11, 5/9/7, 5/10/11
        // -> 18/24, 24/32, 10/20, 10/16, 10/21; mean 0.62023809523...
        double rouge = (18.0 / 24 + 24.0 / 32 + 10.0 / 20 + 10.0 / 16 + 10.0 / 21) / 5;
        assertThat(papineni.score(hyp, ref).rougeL()).isCloseTo(rouge, within(EPS));
    }

    /** Lin 2004, section 3.1: against "police killed the gunman", S2 scores 3/4 and S3 2/4 (beta = 1). */
    @Test
    void rougeLPublishedExample() {
        String ref = "police killed the gunman";
        assertThat(CaptionMetrics.rougeL("police kill the gunman", ref)).isCloseTo(0.75, within(EPS));
        assertThat(CaptionMetrics.rougeL("the gunman kill police", ref)).isCloseTo(0.5, within(EPS));
    }

    @Test
    void rougeLUsesBetaOne() {
        // LCS 2 of hyp 2 and ref 4 tokens: P = 1, R = 1/2, F1 = 2*1*(1/2)/(3/2) = 2/3 (beta 1.2 would give 0.5902)
        assertThat(CaptionMetrics.rougeL("a dog", "a big brown dog")).isCloseTo(2.0 / 3, within(EPS));
        assertThat(CaptionMetrics.lcs(List.of("a", "b", "c", "b", "d"), List.of("b", "d", "c", "a", "b")))
                .isEqualTo(3);  // b c b
    }

    @Test
    void emptyHypothesesScoreWithoutException() {
        // "" adds r = 2 and no n-grams; corpus: c = 2, r = 4, 1-g 2/2, 2-g 1/1, 3-g 0/0 -> BLEU 0
        Scores s = papineni.score(List.of("", "the cat"), List.of("a dog", "the cat"));
        assertThat(s.emptyHypotheses()).isEqualTo(1);
        assertThat(s.bleu4()).isZero();
        assertThat(s.brevityPenalty()).isCloseTo(Math.exp(-1), within(EPS));
        assertThat(s.rougeL()).isCloseTo(0.5, within(EPS));  // (0 + 1) / 2

        Scores allEmpty = exp.score(List.of("", "  ", "..."), List.of("a dog", "a cat", "x"));
        assertThat(allEmpty.bleu4()).isZero();
        assertThat(allEmpty.emptyHypotheses()).isEqualTo(2);  // "..." is three tokens
        assertThat(allEmpty.brevityPenalty()).isLessThan(1);

        Scores none = papineni.score(List.of(), List.of());
        assertThat(none.bleu4()).isZero();
        assertThat(none.rougeL()).isZero();
        assertThat(none.sentences()).isZero();
        assertThat(none.brevityPenalty()).isZero();
    }

    @Test
    void longHypothesisHasNoBrevityPenalty() {
        // c = 7 > r = 6: BP 1; p1..p4 = 6/7, 5/6, 4/5, 3/4 -> (6/7*5/6*4/5*3/4)^(1/4) = (3/7)^(1/4)
        Scores s = papineni.score(List.of("the cat is on the mat today"), List.of("the cat is on the mat"));
        assertThat(s.brevityPenalty()).isEqualTo(1.0);
        assertThat(s.bleu4()).isCloseTo(Math.pow(3.0 / 7, 0.25), within(EPS));
    }

    @Test
    void rejectsMismatchedLists() {
        assertThatThrownBy(() -> papineni.score(List.of("a"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 hypotheses but 0 references");
    }

    @Test
    void scoresCopyTheirArrays() {
        Scores s = papineni.score(List.of("a b"), List.of("a b"));
        s.matches()[0] = 99;
        assertThat(s.matches()[0]).isEqualTo(2);
        assertThat(s).isEqualTo(papineni.score(List.of("a b"), List.of("a b")));
        assertThat(s.toString()).contains("BLEU-4 0.0000");  // 2 tokens: no 3-gram
    }
}
