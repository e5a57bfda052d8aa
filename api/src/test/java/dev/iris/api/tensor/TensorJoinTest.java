package dev.iris.api.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Stacking a batch's rows and joining [1, ...] tensors: one copy loop for the trainer and the decode batcher. */
class TensorJoinTest {

    @Test
    void stackAddsALeadingAxis() {
        Tensor a = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2), b = Tensor.ofFloats(new float[] {5, 6, 7, 8}, 2, 2);

        Tensor s = Tensor.stack(List.of(a, b));

        assertThat(s.shape()).containsExactly(2, 2, 2);
        assertThat(s.toFloats()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void concatJoinsAlongTheFirstAxis() {
        Tensor a = Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3), b = Tensor.ofFloats(new float[] {4, 5, 6, 7, 8, 9}, 2, 3);

        Tensor c = Tensor.concat(List.of(a, b));

        assertThat(c.shape()).containsExactly(3, 3);
        assertThat(c.toFloats()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(a.toFloats()).containsExactly(1, 2, 3);   // the parts are read, not consumed
    }

    @Test
    void tensorsThatDoNotFitTogetherAreNamed() {
        Tensor a = Tensor.ofFloats(new float[] {1, 2}, 2), b = Tensor.ofFloats(new float[] {1, 2, 3}, 3);
        Tensor longs = Tensor.ofLongs(new long[] {1, 2}, 2);

        assertThatThrownBy(() -> Tensor.stack(List.of(a, b)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 1 is F32 [1, 3]");
        assertThatThrownBy(() -> Tensor.concat(List.of(a, longs)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 1 is I64");
        assertThatThrownBy(() -> Tensor.stack(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
