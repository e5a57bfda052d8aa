package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    final List<String> out = new ArrayList<>();

    String feed(List<String> stops, String... pieces) {
        StopMatcher m = new StopMatcher(stops, out::add);
        try {
            for (String p : pieces) m.accept(p);
            m.finish();
        } catch (GenerationStopped s) {
            assertThat(s.reason()).isEqualTo(GenerationStopped.Reason.STOP_SEQUENCE);
        }
        return String.join("", out);
    }

    @Test
    void withoutStopsTextPassesAsItComes() {
        assertThat(feed(List.of(), "a", "b", "c")).isEqualTo("abc");
        assertThat(out).containsExactly("a", "b", "c");
    }

    @Test
    void stopSequenceSplitOverPiecesIsNotReturned() {
        assertThat(feed(List.of("END"), "hello E", "N", "D and more")).isEqualTo("hello ");
    }

    @Test
    void textThatOnlyLooksLikeAStartIsReleased() {
        assertThat(feed(List.of("END"), "an E", "xit")).isEqualTo("an Exit");
        assertThat(out).containsExactly("an ", "Exit");   // "E" was held until it could not be a stop any more
    }

    @Test
    void earliestOfSeveralStopsWins() {
        assertThat(feed(List.of("zz", "b"), "aab", "zz")).isEqualTo("aa");
    }

    @Test
    void heldTextIsReleasedAtTheEnd() {
        assertThat(feed(List.of("xyz"), "abc x", "y")).isEqualTo("abc xy");
    }

    @Test
    void stopThrowsAndCountsEverythingProduced() {
        StopMatcher m = new StopMatcher(List.of("\n\n"), out::add);
        m.accept("one\n");
        assertThatThrownBy(() -> m.accept("\ntwo")).isInstanceOf(GenerationStopped.class);
        assertThat(String.join("", out)).isEqualTo("one");
        assertThat(m.produced()).isEqualTo("one\n\ntwo");
    }
}
