package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CIDEr-D on small corpora whose scores are worked out by hand in the comments. */
class CiderDTest {
    @Test
    void twoImagesOneRightOneWrong() {
        // N = 2. "a" is in both references: weight log 2 - log 2 = 0; "cat", "dog", "a cat", "a dog" in one: log 2.
        // Image 1 ("a cat" vs "a cat"): per order 1, 1, 0, 0 (no 3- or 4-grams), same length: mean 0.5, x10 = 5.
        // Image 2 ("a cat" vs "a dog"): the only weighted n-grams differ: 0. Corpus: 2.5.
        CiderD.Scores s = CiderD.score(List.of("a cat", "A cat."), List.of("a cat", "a dog"));
        assertThat(s.perCaption().get(0)).isCloseTo(5.0, within(1e-12));
        assertThat(s.perCaption().get(1)).isCloseTo(0.0, within(1e-12));
        assertThat(s.corpus()).isCloseTo(2.5, within(1e-12));
    }

    @Test
    void clippingIdfAndTheLengthPenaltyAsWorkedOut() {
        // N = 3, references "a red cat", "a blue dog", "the red dog".
        // df 2 (a, red, dog): weight p = ln 3 - ln 2; df 1 and unseen n-grams: q = ln 3.
        double p = Math.log(3) - Math.log(2), q = Math.log(3);
        // H1 "a red red cat" vs "a red cat":
        //   1-grams: h = (a p, red 2p, cat q), r = (a p, red p, cat q); clipped dot = p^2 + min(2p,p) p + q^2 = 2p^2 + q^2,
        //            |h| = sqrt(5p^2 + q^2), |r| = sqrt(2p^2 + q^2)
        //   2-grams: h = (a-red q, red-red q, red-cat q), r = (a-red q, red-cat q): 2q^2 / (sqrt3 q * sqrt2 q) = sqrt(2/3)
        //   3-grams share nothing, the reference has no 4-gram: 0, 0
        //   lengths in bigrams 3 and 2: penalty exp(-1/72)
        double g = Math.exp(-1.0 / 72);
        double h1 = 10 * g * (Math.sqrt((2 * p * p + q * q) / (5 * p * p + q * q)) + Math.sqrt(2.0 / 3)) / 4;
        // H2 "a dog" vs "a blue dog": 1-grams 2p^2 / (sqrt2 p * sqrt(2p^2 + q^2)); the bigram "a dog" is not in the reference;
        //   lengths 1 and 2: penalty exp(-1/72)
        double h2 = 10 * g * (Math.sqrt(2) * p / Math.sqrt(2 * p * p + q * q)) / 4;
        // H3 empty: 0
        CiderD.Scores s = CiderD.score(List.of("a red red cat", "a dog", ""), List.of("a red cat", "a blue dog", "the red dog"));
        assertThat(s.perCaption().get(0)).isCloseTo(h1, within(1e-12));
        assertThat(s.perCaption().get(1)).isCloseTo(h2, within(1e-12));
        assertThat(s.perCaption().get(2)).isZero();
        assertThat(s.corpus()).isCloseTo((h1 + h2) / 3, within(1e-12));
        // the numbers themselves, so a change of formula shows
        assertThat(h1).isCloseTo(4.15811, within(1e-5));
        assertThat(h2).isCloseTo(1.14082, within(1e-5));
    }

    @Test
    void aPerfectCaptionScoresTenWhenItsNgramsAreRareAndZeroForASingleExample() {
        // every n-gram in one reference of N = 2: all four orders are 1, so 10
        CiderD.Scores s = CiderD.score(List.of("one two three four", "five six"), List.of("one two three four", "seven eight"));
        assertThat(s.perCaption().get(0)).isCloseTo(10.0, within(1e-12));
        // N = 1: log(1) = 0 weights everything to 0, as pycocoevalcap
        assertThat(CiderD.score(List.of("a cat"), List.of("a cat")).corpus()).isZero();
        assertThat(CiderD.score(List.of(), List.of()).corpus()).isZero();
    }

    @Test
    void severalReferencesAreAveraged() {
        // image 1 has two references; the hypothesis equals the first (all four orders 1, same length) and shares nothing
        // with the second: (4 + 0) / 4 orders / 2 references x 10 = 5
        CiderD.Scores s = CiderD.scoreMulti(List.of("one two three four", "x y"),
                List.of(List.of("one two three four", "nine ten"), List.of("x y")));
        assertThat(s.perCaption().get(0)).isCloseTo(5.0, within(1e-12));
    }
}
