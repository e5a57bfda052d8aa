package dev.iris.runtime.graph;

import static dev.iris.runtime.graph.GraphHarness.checkGradient;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every differentiable operation's gradient against central finite differences, in float64. */
class GradientTest {

    private static List<long[]> shapes(long[]... s) {
        return List.of(s);
    }

    private static long[] s(long... d) {
        return d;
    }

    @ParameterizedTest
    @EnumSource(Op.UnaryFn.class)
    void unary(Op.UnaryFn fn) {
        BiFunction<GraphBuilder, List<Value>, Value> f = switch (fn) {
            // keep the argument in the function's domain
            case LOG, SQRT, RSQRT -> (g, w) -> g.unary(fn, g.add(g.mul(w.get(0), w.get(0)), 0.5));
            case RECIPROCAL -> (g, w) -> g.unary(fn, g.add(g.mul(w.get(0), w.get(0)), 0.5));
            default -> (g, w) -> g.unary(fn, w.get(0));
        };
        checkGradient(fn.ordinal(), shapes(s(2, 3)), f);
    }

    @ParameterizedTest
    @EnumSource(Op.BinaryFn.class)
    void binaryWithBroadcasting(Op.BinaryFn fn) {
        BiFunction<GraphBuilder, List<Value>, Value> f = fn == Op.BinaryFn.DIV
                ? (g, w) -> g.div(w.get(0), g.add(g.mul(w.get(1), w.get(1)), 0.5))
                : (g, w) -> g.binary(fn, w.get(0), w.get(1));
        checkGradient(10 + fn.ordinal(), shapes(s(2, 3, 4), s(4)), f);
        checkGradient(20 + fn.ordinal(), shapes(s(2, 1, 4), s(3, 1)), f);
        checkGradient(30 + fn.ordinal(), shapes(s(2, 3), s(2, 3)), f);
    }

    @Test
    void pow() {
        checkGradient(40, shapes(s(3, 2)), (g, w) -> g.pow(g.add(g.mul(w.get(0), w.get(0)), 0.5), 1.5));
        checkGradient(41, shapes(s(3, 2)), (g, w) -> g.pow(w.get(0), 3));
    }

    @Test
    void matmul() {
        checkGradient(50, shapes(s(3, 4), s(4, 2)), (g, w) -> g.matmul(w.get(0), w.get(1)));
        checkGradient(51, shapes(s(2, 3, 4), s(4, 5)), (g, w) -> g.matmul(w.get(0), w.get(1)));
        checkGradient(52, shapes(s(2, 1, 3, 4), s(1, 2, 4, 2)), (g, w) -> g.matmul(w.get(0), w.get(1)));
    }

    @Test
    void linear() {
        checkGradient(60, shapes(s(2, 3, 4), s(5, 4), s(5)), (g, w) -> g.linear(w.get(0), w.get(1), w.get(2)));
        checkGradient(61, shapes(s(3, 4), s(2, 4)), (g, w) -> g.linear(w.get(0), w.get(1), null));
    }

    @Test
    void reductions() {
        checkGradient(70, shapes(s(2, 3, 4)), (g, w) -> g.sum(w.get(0), false, 1));
        checkGradient(71, shapes(s(2, 3, 4)), (g, w) -> g.sum(w.get(0), true, 0, 2));
        checkGradient(72, shapes(s(2, 3, 4)), (g, w) -> g.mean(w.get(0), false, 0, 2));
        checkGradient(73, shapes(s(2, 3, 4)), (g, w) -> g.mean(w.get(0), true, -1));
    }

    @Test
    void aMaxReductionOfAnInputTrainsThroughTheProductAndOneOfAWeightIsRefused() {
        // a mask built from an input (as a fusion's "any image visible" flag) needs no gradient rule
        checkGradient(74, shapes(s(2, 3)), (g, w) -> g.mul(w.get(0), g.max(g.constant(Tensor.ofFloats(new float[] {0, 1, 1, 0, 0, 0}, 2, 3)), true, -1)));
        assertThatThrownBy(() -> checkGradient(75, shapes(s(2, 3)), (g, w) -> g.max(w.get(0), false, -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max reduction has no gradient rule");
    }

    @Test
    void softmax() {
        checkGradient(80, shapes(s(2, 5)), (g, w) -> g.softmax(w.get(0), -1));
        checkGradient(81, shapes(s(2, 3, 4)), (g, w) -> g.softmax(w.get(0), 1));
    }

    @Test
    void shapeOperations() {
        checkGradient(90, shapes(s(2, 3, 4)), (g, w) -> g.reshape(w.get(0), 0, -1));
        checkGradient(91, shapes(s(2, 3)), (g, w) -> g.unsqueeze(w.get(0), 1));
        checkGradient(92, shapes(s(2, 3), s(6)), (g, w) -> g.mul(g.reshapeLike(w.get(1), w.get(0)), w.get(0)));
        checkGradient(93, shapes(s(1, 3), s(2, 3)), (g, w) -> g.mul(g.expandLike(w.get(0), w.get(1)), w.get(1)));
        checkGradient(94, shapes(s(2, 3, 4)), (g, w) -> g.transpose(w.get(0), 2, 0, 1));
        checkGradient(95, shapes(s(2, 3), s(2, 2)), (g, w) -> g.concat(1, w.get(0), w.get(1), w.get(0)));
        checkGradient(96, shapes(s(2, 6)), (g, w) -> g.slice(w.get(0), 1, 1, 4));
        checkGradient(97, shapes(s(2, 6)), (g, w) -> g.slice(w.get(0), 1, 2, Long.MAX_VALUE));
        checkGradient(98, shapes(s(2, 3)), (g, w) -> g.pad(w.get(0), 0, 1, 2));
    }

    @Test
    void gatherAndScatter() {
        Tensor ids = Tensor.ofLongs(new long[] {3, 0, 3, 1, 4, 3}, 2, 3);
        checkGradient(100, shapes(s(5, 4)), (g, w) -> g.gather(w.get(0), g.constant(ids)));
        Tensor rows = Tensor.ofLongs(new long[] {1, 1, 0}, 3);
        checkGradient(101, shapes(s(4, 2), s(3, 2)), (g, w) -> g.mul(g.scatterAddRows(w.get(0), g.constant(rows), w.get(1)), w.get(0)));
    }

    @Test
    void cast() {
        checkGradient(110, shapes(s(3)), (g, w) -> g.mul(g.cast(w.get(0), DType.F32), w.get(0)));
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        Tensor labels = Tensor.ofLongs(new long[] {2, -100, 0, 4}, 4);
        checkGradient(120, shapes(s(4, 5)), (g, w) -> g.crossEntropy(w.get(0), g.constant(labels), -100));
    }

    @Test
    void rmsNormAndLayerNorm() {
        checkGradient(130, shapes(s(2, 3, 8), s(8)), (g, w) -> g.rmsNorm(w.get(0), w.get(1), 1e-6));
        checkGradient(131, shapes(s(2, 3, 8), s(8), s(8)), (g, w) -> g.layerNorm(w.get(0), w.get(1), w.get(2), 1e-6));
    }

    @Test
    void rotary() {
        Tensor pos = Tensor.ofLongs(new long[] {0, 1, 2, 5, 6, 7}, 2, 3);
        checkGradient(140, shapes(s(2, 2, 3, 8)), (g, w) -> g.rotary(w.get(0), g.constant(pos), 10000));
    }

    @Test
    void attentionGroupedQueryWithMask() {
        float[] mask = new float[3 * 4];
        for (int t = 0; t < 3; t++) for (int j = 0; j < 4; j++) mask[t * 4 + j] = j > t + 1 ? -1e9f : 0f;
        Tensor m = Tensor.ofFloats(mask, 1, 1, 3, 4);
        checkGradient(150, shapes(s(2, 4, 3, 5), s(2, 2, 4, 5), s(2, 2, 4, 5)),
                (g, w) -> g.attention(w.get(0), w.get(1), w.get(2), g.constant(m), 0.4));
        checkGradient(151, shapes(s(1, 2, 3, 4), s(1, 2, 3, 4), s(1, 2, 3, 4)),
                (g, w) -> g.attention(w.get(0), w.get(1), w.get(2), null, 0.5));
    }

    @Test
    void weightUsedTwiceAccumulates() {
        checkGradient(160, shapes(s(3, 3)), (g, w) -> g.matmul(w.get(0), g.tanh(w.get(0))));
    }

    @Test
    void twoLayerNetworkEndToEnd() {
        Tensor labels = Tensor.ofLongs(new long[] {1, 0, 2}, 3);
        checkGradient(170, shapes(s(3, 4), s(6, 4), s(6), s(3, 6)), (g, w) -> {
            Value h = g.silu(g.linear(w.get(0), w.get(1), w.get(2)));
            return g.crossEntropy(g.linear(h, w.get(3), null), g.constant(labels), -100);
        });
    }
}
