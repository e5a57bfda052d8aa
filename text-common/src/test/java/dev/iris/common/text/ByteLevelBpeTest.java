package dev.iris.common.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTest {

    @Test
    void theFirst256IdsAreTheBytesAndTheFirstMergeIsTheMostFrequentPair() {
        // pairs: (a, b) 3 times, (space, a) twice, the rest once
        ByteLevelBpe.Model m = ByteLevelBpe.train("ab ab ab cd", 10);
        assertThat(m.vocab()).hasSizeGreaterThan(256);
        assertThat(m.vocab().get('a')).isEqualTo("a");
        assertThat(m.vocab().get(' ')).isEqualTo("\u0120");   // space stands as U+0120 (GPT-2's table)
        assertThat(m.merges().get(0)).containsExactly("a", "b");
        assertThat(m.vocab().get(256)).isEqualTo("ab");
    }

    @Test
    void trainingStopsWhenNoPairOccursTwiceAndIsDeterministic() {
        assertThat(ByteLevelBpe.train("abc", 50).merges()).isEmpty();
        String corpus = "the quick brown fox jumps over the lazy dog; the dog sleeps. ".repeat(5);
        ByteLevelBpe.Model a = ByteLevelBpe.train(corpus, 40), b = ByteLevelBpe.train(corpus, 40);
        assertThat(a.vocab()).isEqualTo(b.vocab());
        for (int i = 0; i < a.merges().size(); i++) assertThat(a.merges().get(i)).containsExactly(b.merges().get(i));
        // no pair occurs twice after 37 merges of this corpus: training stops before the 40 asked for
        assertThat(a.merges()).hasSize(37);
    }
}
