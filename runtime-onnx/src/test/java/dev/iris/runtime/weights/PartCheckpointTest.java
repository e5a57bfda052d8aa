package dev.iris.runtime.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightNaming;
import dev.iris.api.weights.WeightSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartCheckpointTest {
    private static final WeightNaming DASHED = new WeightNaming("dashed", Map.of("a.weight", "a_1.weight", "b.weight", "b_1.weight"));
    private static final PartNeeds NEEDS = new PartNeeds("test fusion", "model.fusion.weights", Set.of("a.weight", "b.weight"), List.of(DASHED));

    private static WeightSource file(String... names) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String n : names) t.put(n, Tensor.ofFloats(new float[] {n.length()}, 1));
        return new MapWeightSource(t, Map.of(), "ckpt");
    }

    @Test
    void ownNamesAtTheTopAreTheFileItself() {
        WeightSource f = file("a.weight", "b.weight", "vision_model.x");
        assertThat(PartCheckpoint.resolve(f, NEEDS, false, List.of())).isSameAs(f);
    }

    @Test
    void aDeclaredNamingUnderAPrefixIsRenamed() {
        WeightSource view = PartCheckpoint.resolve(file("m.p.a_1.weight", "m.p.b_1.weight", "lm.x"), NEEDS, false, List.of());
        assertThat(view.names()).containsExactlyInAnyOrder("a.weight", "b.weight");
        assertThat(view.read("a.weight").toFloats()).containsExactly("m.p.a_1.weight".length());
        assertThat(view.info("b.weight").orElseThrow().name()).isEqualTo("b.weight");
        assertThat(view.describe()).isEqualTo("ckpt (tensors under m.p. in the dashed naming)");
        assertThat(view.origin("a.weight")).isEqualTo("ckpt (tensors under m.p. in the dashed naming)");
    }

    @Test
    void twoCompleteSetsAreAnError() {
        assertThatThrownBy(() -> PartCheckpoint.resolve(file("x.a.weight", "x.b.weight", "y.a.weight", "y.b.weight"), NEEDS, false, List.of()))
                .isInstanceOf(WeightException.class)
                .hasMessage("ckpt (model.fusion.weights): the test fusion's tensors are in it 2 times: its own names under 'x.';"
                        + " its own names under 'y.'; keep one set in the file");
    }

    @Test
    void mixingTwoNamingsIsNotAMatch() {
        assertThatThrownBy(() -> PartCheckpoint.resolve(file("a.weight", "b_1.weight"), NEEDS, false, List.of()))
                .isInstanceOf(WeightException.class)
                .hasMessage("ckpt (model.fusion.weights): the test fusion needs 2 tensors and 1 of them are not in the file: b.weight;"
                        + " the file holds 2 tensors: a.weight, b_1.weight; closest: its own names holds 1 of the 2"
                        + " (names accepted: its own, the dashed naming, under any prefix)");
    }

    @Test
    void exclusiveFilesMayHoldNothingElse() {
        assertThatThrownBy(() -> PartCheckpoint.resolve(file("a.weight", "b.weight", "c.weight"), NEEDS, true, List.of()))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith("ckpt (model.fusion.weights): holds 1 tensor(s) the test fusion does not use: c.weight;");
    }

    @Test
    void longListsAreCut() {
        assertThat(PartCheckpoint.few(List.of("h", "g", "f", "e", "d", "c", "b", "a"))).isEqualTo("a, b, c, d, e, f (and 2 more)");
    }
}
