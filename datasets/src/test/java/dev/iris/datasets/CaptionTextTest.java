package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CaptionTextTest {
    @Test
    void noBreakSpacesAloneAreABlankCaption() {
        assertThat(" \u00a0\u202f\u2007\t".isBlank()).isFalse();   // why this class exists
        assertThat(CaptionText.isBlank(" \u00a0\u202f\u2007\t")).isTrue();
        assertThat(CaptionText.isBlank("\u00a0a")).isFalse();
        assertThat(CaptionText.isBlank("")).isTrue();
    }

    @Test
    void stripRemovesEverySpaceAtTheEndsOnly() {
        assertThat(CaptionText.strip("\u00a0 A 5\u00a0mm lesion.\u202f\n")).isEqualTo("A 5\u00a0mm lesion.");
    }
}
