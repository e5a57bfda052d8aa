package dev.iris.runtime.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NonFiniteTest {

    /** Every index whose stored value is not finite, the slow way, to check the scan against. */
    private static long naive(Tensor t) {
        for (long i = 0; i < t.numel(); i++) if (!Double.isFinite(t.getDouble(i))) return i;
        return -1;
    }

    private static Tensor random(DType dtype, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 1e3);
        return Tensor.ofFloats(v, n).toFloating(dtype);
    }

    private static Tensor withValue(Tensor t, long index, double value) {
        Tensor copy = WeightBinder.writableCopy(t);
        int i = Math.toIntExact(index);
        switch (t.dtype()) {
            case F32 -> copy.data().putFloat(i * 4, (float) value);
            case F64 -> copy.data().putDouble(i * 8, value);
            case BF16 -> copy.data().putShort(i * 2, dev.iris.api.tensor.Bf16.fromFloat((float) value));
            case F16 -> copy.data().putShort(i * 2, Float.floatToFloat16((float) value));
            default -> throw new IllegalArgumentException();
        }
        return copy;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64", "BF16", "F16"})
    void findsTheFirstNaNOrInfinityWhereverItIs(DType dtype) {
        // 3 chunks and an odd tail, so 16-bit pairs, chunk edges and the last element are all exercised
        int n = 3 * 4096 * 2 + 3;
        Tensor clean = random(dtype, n, 1);
        assertThat(NonFinite.firstIndex(clean)).isEqualTo(-1).isEqualTo(naive(clean));
        for (long at : new long[] {0, 1, 4095, 4096, 8191, 8192, 8193, 12345, n - 2, n - 1}) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                Tensor t = withValue(clean, at, bad);
                assertThat(NonFinite.firstIndex(t)).as("%s %s at %d", dtype, bad, at).isEqualTo(at);
            }
        }
        Tensor two = withValue(withValue(clean, 9000, Double.NaN), 20000, Double.NaN);
        assertThat(NonFinite.firstIndex(two)).isEqualTo(9000);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64", "BF16", "F16"})
    void extremeFiniteValuesAreFinite(DType dtype) {
        double largest = switch (dtype) {
            case F32 -> Float.MAX_VALUE;
            case F64 -> Double.MAX_VALUE;
            case BF16 -> dev.iris.api.tensor.Bf16.toFloat((short) 0x7F7F);
            default -> 65504.0;   // f16's largest
        };
        Tensor t = Tensor.ofDoubles(new double[] {largest, -largest, 0.0, -0.0, Double.MIN_VALUE, 1e-40, 1}, 7).toFloating(dtype);
        assertThat(NonFinite.firstIndex(t)).isEqualTo(-1);
    }

    @Test
    void integerAndEmptyTensorsAreFinite() {
        assertThat(NonFinite.firstIndex(Tensor.ofLongs(new long[] {-1, Long.MAX_VALUE}, 2))).isEqualTo(-1);
        assertThat(NonFinite.firstIndex(Tensor.ofInts(new int[] {0x7F800000}, 1))).isEqualTo(-1);
        assertThat(NonFinite.firstIndex(Tensor.zeros(DType.BF16, 0))).isEqualTo(-1);
        assertThat(NonFinite.firstIndex(Tensor.zeros(DType.F16, 1))).isEqualTo(-1);
    }

    @Test
    void randomBitPatternsAgreeWithTheElementwiseCheck() {
        SplittableRandom r = new SplittableRandom(7);
        for (DType dtype : new DType[] {DType.F32, DType.F64, DType.BF16, DType.F16}) {
            for (int round = 0; round < 200; round++) {
                int n = r.nextInt(1, 300);
                Tensor t = Tensor.zeros(dtype, n);
                // mostly small exponents, now and then all-ones ones
                for (int i = 0; i < t.data().capacity(); i++) t.data().put(i, (byte) (r.nextInt(50) == 0 ? 0xFF : r.nextInt(0x70)));
                assertThat(NonFinite.firstIndex(t)).as("%s round %d", dtype, round).isEqualTo(naive(t));
            }
        }
    }

    @Test
    void theErrorNamesTensorOriginElementAndKind() {
        Tensor t = Tensor.ofFloats(new float[] {1, 2, Float.NEGATIVE_INFINITY, Float.NaN}, 2, 2);
        assertThatThrownBy(() -> NonFinite.check(t, "linear1.weight", "runs/a/final/fusion.safetensors"))
                .isInstanceOf(WeightException.class)
                .hasMessage("weight linear1.weight in runs/a/final/fusion.safetensors holds a non-finite value: element 2 of 4 is"
                        + " -Infinity (a diverged training run or a damaged file; the model would generate garbage)");
    }
}
