package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PerplexityTest {
    @Test
    void isExpOfTheMeanLoss() {
        assertThat(Perplexity.of(0)).isEqualTo(1.0);
        assertThat(Perplexity.of(Math.log(20))).isCloseTo(20.0, within(1e-12));
        // uniform over Qwen's 151,936-token vocabulary: loss ln(V), perplexity V
        assertThat(Perplexity.of(Math.log(151_936))).isCloseTo(151_936.0, within(1e-6));
        assertThat(Perplexity.of(2.5)).isCloseTo(12.182493960703473, within(1e-12));
    }

    @Test
    void nonFiniteLossesStayVisible() {
        assertThat(Perplexity.of(Double.NaN)).isNaN();
        assertThat(Perplexity.of(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Perplexity.of(1000)).isEqualTo(Double.POSITIVE_INFINITY);  // overflow saturates
        assertThat(Perplexity.of(Double.NEGATIVE_INFINITY)).isNaN();  // not a cross-entropy
    }
}
