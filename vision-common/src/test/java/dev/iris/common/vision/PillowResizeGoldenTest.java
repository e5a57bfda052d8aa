package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** PillowResize against Pillow 9.4's own output: every byte must match. */
class PillowResizeGoldenTest {

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseMatchesPillowExactly() {
        List<Golden.Case> cases = Golden.cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            RgbImage in = Golden.rgb(c.input());
            RgbImage expected = Golden.rgb(c.expected());
            RgbImage out = PillowResize.resize(in, c.width(), c.height(), c.filter());
            assertThat(out.width()).isEqualTo(c.width());
            assertThat(out.height()).isEqualTo(c.height());
            assertThat(Golden.diff(out.pixels(), expected.pixels()))
                    .as("%s: bytes differing from Pillow", c.name()).isZero();
        }));
    }

    @Test
    void randomSizesAndEveryFilterMatchPillowExactly() {
        List<Golden.Fuzz> all = Golden.fuzz();
        assertThat(all).hasSize(60);
        for (Golden.Fuzz f : all) {
            byte[] out = PillowResize.resize(f.src(), f.sw(), f.sh(), 3, f.dw(), f.dh(), f.filter());
            assertThat(Golden.diff(out, f.expected())).as("fuzz %s: bytes differing from Pillow", f).isZero();
        }
    }
}
