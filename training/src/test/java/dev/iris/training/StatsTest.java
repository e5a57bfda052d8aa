package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCountsAndNone() {
        assertThat(Stats.median(new double[] {5, 1, 3})).isEqualTo(3.0);
        assertThat(Stats.median(List.of(4.0, 1.0, 2.0, 10.0))).isEqualTo(3.0);
        assertThat(Stats.median(new double[0])).isNaN();
    }

    @Test
    void medianLeavesItsInputInOrder() {
        double[] v = {3, 1, 2};
        Stats.median(v);
        assertThat(v).containsExactly(3, 1, 2);
    }
}
