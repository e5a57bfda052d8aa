package dev.iris.runtime.graph;

import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op.BinaryFn;
import dev.iris.api.graph.Op.ReduceFn;
import dev.iris.api.graph.Op.UnaryFn;
import dev.iris.api.graph.Shape;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.NaiveOps.Arr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Forward values of every operation of the closed op set, compiled to ONNX and run by ONNX
 * Runtime, against the independent loop implementations in {@link NaiveOps}. Float32 runs are
 * held to 1e-5 (absolute plus relative), float64 runs to 1e-12. Every run also checks that
 * the shape GraphBuilder inferred agrees with the shape ONNX Runtime produced.
 */
class OpForwardTest {

    private static final double F32_TOL = 1e-5;
    private static final double F64_TOL = 1e-12;

    /** One graph under construction, with the run-time values of its inputs. */
    private static final class Fixture {
        final GraphBuilder g = new GraphBuilder();
        final Map<String, Tensor> feeds = new LinkedHashMap<>();
        final DType precision;
        final Random rnd;

        Fixture(DType precision, long seed) {
            this.precision = precision;
            this.rnd = new Random(seed);
        }

        /** A float tensor of standard normal values mapped through f, in the run precision. */
        Tensor random(DoubleUnaryOperator f, long... shape) {
            double[] v = new double[(int) Tensor.numel(shape)];
            for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(rnd.nextGaussian());
            Tensor t = Tensor.ofDoubles(v, shape);
            return precision == DType.F64 ? t : t.toFloating(DType.F32);
        }

        Tensor random(long... shape) {
            return random(x -> x, shape);
        }

        /** Declares an input with the given dims (Long sizes or String symbols) fed with t. */
        Value input(String name, Tensor t, Object... dims) {
            Object[] d = dims.length > 0 || t.rank() == 0 ? dims : Arrays.stream(t.shape()).boxed().toArray();
            feeds.put(name, t);
            return g.input(name, t.dtype().isFloating() ? DType.F32 : t.dtype(), d);
        }

        /** The value fed as {@code name}, as the reference sees it (already rounded to the run precision). */
        Arr arr(String name) {
            return NaiveOps.toArr(feeds.get(name));
        }

        /** Compiles and runs; checks every output's run-time shape against the inferred one. */
        Map<String, Tensor> run() {
            Graph graph = g.build();
            Map<String, Tensor> out = GraphHarness.run(graph, precision, feeds);
            graph.outputs().forEach((name, v) -> assertShapeAgrees(name, v, out.get(name)));
            return out;
        }

        double tol() {
            return precision == DType.F64 ? F64_TOL : F32_TOL;
        }
    }

    static void assertShapeAgrees(String name, Value v, Tensor actual) {
        long[] s = actual.shape();
        assertThat(s).as("rank of %s: inferred %s, got %s", name, v.shape(), Arrays.toString(s)).hasSize(v.rank());
        for (int i = 0; i < s.length; i++) {
            if (v.shape().dim(i) instanceof Dim.Fixed f) {
                assertThat(s[i]).as("dim %d of %s: inferred %s, got %s", i, name, v.shape(), Arrays.toString(s)).isEqualTo(f.size());
            }
        }
    }

    /** |actual - expected| <= tol * (1 + |expected|) elementwise, and the same shape. */
    static void assertClose(Tensor actual, Arr expected, double tol) {
        assertThat(actual.shape()).as("shape").containsExactly(expected.shape());
        double[] a = actual.toDoubles();
        for (int i = 0; i < a.length; i++) {
            double e = expected.data()[i];
            assertThat(Math.abs(a[i] - e))
                    .as("element %s of %s: got %s, expected %s", Arrays.toString(NaiveOps.unravel(expected.shape(), i)),
                            Arrays.toString(expected.shape()), a[i], e)
                    .isLessThanOrEqualTo(tol * (1 + Math.abs(e)));
        }
    }

    static Shape shape(Object... dims) {
        List<Dim> d = new ArrayList<>();
        for (Object o : dims) d.add(o instanceof String s ? Dim.sym(s) : Dim.of(((Number) o).longValue()));
        return new Shape(d);
    }

    static Stream<DType> precisions() {
        return Stream.of(DType.F32, DType.F64);
    }

    // ================================================================== leaves

    @Test
    void constantFloatAndInt() {
        Fixture f = new Fixture(DType.F32, 1);
        float[] vals = {1.5f, -2.25f, 3e-3f, 7f, 0f, -1e4f};
        Value c = f.g.constant(Tensor.ofFloats(vals, 2, 3));
        Value ci = f.g.constant(Tensor.ofLongs(new long[] {-5, 0, 1L << 40}, 3));
        Value x = f.input("x", f.random(2, 3), "batch", 3L);
        f.g.output("c", c);
        f.g.output("ci", ci);
        f.g.output("xc", f.g.add(x, c));
        assertThat(c.shape()).isEqualTo(shape(2, 3));
        assertThat(ci.dtype()).isEqualTo(DType.I64);

        Map<String, Tensor> out = f.run();
        assertThat(out.get("c").toFloats()).containsExactly(vals);
        assertThat(out.get("ci").dtype()).isEqualTo(DType.I64);
        assertThat(out.get("ci").toLongs()).containsExactly(-5, 0, 1L << 40);
        assertClose(out.get("xc"), NaiveOps.zip(f.arr("x"), NaiveOps.toArr(Tensor.ofFloats(vals, 2, 3)), Double::sum), F32_TOL);
    }

    @Test
    void constantInFloat64IsWidenedFromItsFloat32Recording() {
        // Constants are recorded as F32 by design; in an F64 run they arrive widened, not re-rounded.
        Fixture f = new Fixture(DType.F64, 2);
        f.g.output("c", f.g.constant(Tensor.ofFloats(new float[] {0.1f, 1f / 3}, 2)));
        Tensor c = f.run().get("c");
        assertThat(c.dtype()).isEqualTo(DType.F64);
        assertThat(c.toDoubles()).containsExactly((double) 0.1f, (double) (1f / 3));
    }

    // ================================================================== elementwise

    static double unaryRef(UnaryFn fn, double x) {
        return switch (fn) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case RECIPROCAL -> 1 / x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> NaiveOps.sigmoid(x);
            case SILU -> x * NaiveOps.sigmoid(x);
            case GELU_TANH -> NaiveOps.geluTanh(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ERF -> NaiveOps.erf(x);
        };
    }

    /** Inputs inside each function's domain, away from its poles. */
    static DoubleUnaryOperator unaryDomain(UnaryFn fn) {
        return switch (fn) {
            case LOG, SQRT, RSQRT -> x -> Math.abs(x) * 2 + 0.1;
            case RECIPROCAL -> x -> x + Math.signum(x) * 0.5;
            default -> x -> 3 * x;
        };
    }

    static Stream<Arguments> unaryCases() {
        // COS in float64 is the disabled test cosInFloat64 below
        return Arrays.stream(UnaryFn.values()).flatMap(fn -> precisions().map(p -> arguments(fn, p)))
                .filter(a -> !(a.get()[0] == UnaryFn.COS && a.get()[1] == DType.F64));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unary(UnaryFn fn, DType precision) {
        Fixture f = new Fixture(precision, 10 + fn.ordinal());
        Value x = f.input("x", f.random(unaryDomain(fn), 3, 2, 5), "batch", "seq", 5L);
        Value y = f.g.unary(fn, x);
        assertThat(y.shape()).isEqualTo(shape("batch", "seq", 5));
        f.g.output("y", y);
        assertClose(f.run().get("y"), NaiveOps.map(f.arr("x"), v -> unaryRef(fn, v)), f.tol());
    }

    @Test
    void cosInFloat64() {
        unary(UnaryFn.COS, DType.F64);
    }

    @Test
    void erfAtKnownPoints() {
        // Python's math.erf, so the plain-Java series is pinned before it judges ORT's Erf
        double[] x = {1.0, -0.5, 2.0, 3.0, 0.1, 5.5, 0.0};
        double[] erf = {0.8427007929497149, -0.5204998778130465, 0.9953222650189527, 0.9999779095030014,
            0.1124629160182849, 0.9999999999999927, 0.0};
        for (int i = 0; i < x.length; i++) assertThat(NaiveOps.erf(x[i])).as("erf(%s)", x[i]).isCloseTo(erf[i], offset(1e-15));
        for (DType precision : List.of(DType.F32, DType.F64)) {
            Fixture f = new Fixture(precision, 4);
            f.g.output("y", f.g.erf(f.input("x", Tensor.ofDoubles(x, x.length).toFloating(precision))));
            assertThat(f.run().get("y").toDoubles()).as("%s", precision)
                    .containsExactly(erf, offset(precision == DType.F64 ? 4e-15 : 1e-7));
        }
    }

    @Test
    void geluTanhAtKnownPoints() {
        // Values of torch.nn.functional.gelu(x, approximate="tanh"), so the reference formula itself is pinned.
        assertThat(NaiveOps.geluTanh(1.0)).isCloseTo(0.8411919906082768, offset(1e-15));
        assertThat(NaiveOps.geluTanh(-2.0)).isCloseTo(-0.04540230591222494, offset(1e-15));
        Fixture f = new Fixture(DType.F64, 3);
        Value x = f.input("x", Tensor.ofDoubles(new double[] {1.0, -2.0, 0.0}, 3));
        f.g.output("y", f.g.geluTanh(x));
        assertThat(f.run().get("y").toDoubles()).containsExactly(new double[] {0.8411919906082768, -0.04540230591222494, 0.0},
                offset(1e-14));
    }

    static double binaryRef(BinaryFn fn, double a, double b) {
        return switch (fn) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    static Stream<Arguments> binaryCases() {
        List<long[][]> pairs = List.of(
                new long[][] {{2, 3, 4}, {4}},
                new long[][] {{2, 3, 4}, {2, 1, 4}},
                new long[][] {{2, 3, 4}, {3, 1}},
                new long[][] {{4}, {2, 3, 4}},
                new long[][] {{2, 1, 4}, {1, 3, 1}},
                new long[][] {{2, 3, 4}, {}});
        List<Arguments> out = new ArrayList<>();
        for (BinaryFn fn : BinaryFn.values()) {
            for (long[][] p : pairs) precisions().forEach(prec -> out.add(arguments(fn, p[0], p[1], prec)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} with {2} {3}")
    @MethodSource("binaryCases")
    void binaryBroadcasts(BinaryFn fn, long[] sa, long[] sb, DType precision) {
        Fixture f = new Fixture(precision, 100 + fn.ordinal() * 10 + sa.length * 3 + sb.length);
        // a's leading dimension is the symbol "batch" when it is not a broadcast 1
        Object[] da = Arrays.stream(sa).boxed().toArray();
        if (sa.length == 3 && sa[0] != 1) da[0] = "batch";
        Value a = f.input("a", f.random(sa), da);
        Value b = f.input("b", f.random(x -> x + Math.signum(x) * 0.5, sb));   // no division by ~0
        f.g.output("y", f.g.binary(fn, a, b));
        Arr expected = NaiveOps.zip(f.arr("a"), f.arr("b"), (x, y) -> binaryRef(fn, x, y));
        assertClose(f.run().get("y"), expected, f.tol());
    }

    @Test
    void binaryInferredShapesKeepSymbols() {
        GraphBuilder g = new GraphBuilder();
        Value a = g.input("a", DType.F32, "batch", 3L, 4L);
        assertThat(g.add(a, g.input("b", DType.F32, 4L)).shape()).isEqualTo(shape("batch", 3, 4));
        // a symbol meeting a fixed size (other than 1) takes that size
        assertThat(g.mul(a, g.input("c", DType.F32, 2L, 1L, 4L)).shape()).isEqualTo(shape(2, 3, 4));
        assertThat(g.sub(g.input("d", DType.F32, 3L, 1L), a).shape()).isEqualTo(shape("batch", 3, 4));
    }

    @ParameterizedTest(name = "pow {0} {1}")
    @MethodSource("powCases")
    void pow(double exponent, DType precision) {
        Fixture f = new Fixture(precision, 200 + (long) (exponent * 10));
        // integer exponents take negative bases; fractional ones need positive bases
        boolean integral = exponent == Math.rint(exponent);
        Value x = f.input("x", f.random(integral ? v -> v * 2 : v -> Math.abs(v) + 0.2, 2, 5), "batch", 5L);
        f.g.output("y", f.g.pow(x, exponent));
        assertClose(f.run().get("y"), NaiveOps.map(f.arr("x"), v -> Math.pow(v, exponent)), f.tol());
    }

    static Stream<Arguments> powCases() {
        return Stream.of(2.0, 3.0, 0.5, -1.5, 1.7).flatMap(e -> precisions().map(p -> arguments(e, p)));
    }

    // ================================================================== linear algebra

    static Stream<Arguments> matmulCases() {
        List<long[][]> pairs = List.of(
                new long[][] {{3, 4}, {4, 5}},
                new long[][] {{2, 3, 4}, {2, 4, 5}},
                new long[][] {{2, 3, 4, 5}, {3, 5, 6}},
                new long[][] {{2, 1, 4, 5}, {1, 3, 5, 6}},
                new long[][] {{2, 3, 4, 5}, {5, 6}},
                new long[][] {{4, 5}, {2, 3, 5, 6}});
        return pairs.stream().flatMap(p -> precisions().map(prec -> arguments(p[0], p[1], prec)));
    }

    @ParameterizedTest(name = "{0} x {1} {2}")
    @MethodSource("matmulCases")
    void matmul(long[] sa, long[] sb, DType precision) {
        Fixture f = new Fixture(precision, 300 + sa.length * 7 + sb.length);
        Object[] da = Arrays.stream(sa).boxed().toArray();
        da[da.length - 2] = "m";   // rows of a are symbolic
        Value a = f.input("a", f.random(sa), da);
        Value b = f.input("b", f.random(sb));
        Value y = f.g.matmul(a, b);
        assertThat(y.shape().dim(-2)).isEqualTo(Dim.sym("m"));
        f.g.output("y", y);
        assertClose(f.run().get("y"), NaiveOps.matmul(f.arr("a"), f.arr("b")), f.tol());
    }

    @Test
    void matmulInferredBroadcastBatchShape() {
        GraphBuilder g = new GraphBuilder();
        Value y = g.matmul(g.input("a", DType.F32, 2L, 1L, 4L, 5L), g.input("b", DType.F32, 1L, 3L, 5L, 6L));
        assertThat(y.shape()).isEqualTo(shape(2, 3, 4, 6));
        Value z = g.matmul(g.input("c", DType.F32, "batch", 3L, "seq", 5L), g.input("d", DType.F32, 3L, 5L, 6L));
        assertThat(z.shape()).isEqualTo(shape("batch", 3, "seq", 6));
    }

    @ParameterizedTest(name = "bias={0} {1}")
    @MethodSource("linearCases")
    void linearRank3(boolean withBias, DType precision) {
        Fixture f = new Fixture(precision, withBias ? 401 : 400);
        Value x = f.input("x", f.random(2, 3, 4), "batch", "seq", 4L);
        Value w = f.input("w", f.random(5, 4));
        Value b = withBias ? f.input("b", f.random(5)) : null;
        Value y = f.g.linear(x, w, b);
        assertThat(y.shape()).isEqualTo(shape("batch", "seq", 5));
        f.g.output("y", y);
        Arr expected = NaiveOps.linear(f.arr("x"), f.arr("w"), withBias ? f.arr("b") : null);
        assertClose(f.run().get("y"), expected, f.tol());
    }

    static Stream<Arguments> linearCases() {
        return Stream.of(true, false).flatMap(b -> precisions().map(p -> arguments(b, p)));
    }

    // ================================================================== reductions

    static Stream<Arguments> reduceCases() {
        int[][] axes = {{0}, {1}, {-1}, {0, 2}, {2, 1}, {0, 1, 2}};
        List<Arguments> out = new ArrayList<>();
        for (ReduceFn fn : ReduceFn.values()) {
            for (int[] a : axes) {
                for (boolean keep : new boolean[] {true, false}) out.add(arguments(fn, a, keep, DType.F32));
            }
        }
        out.add(arguments(ReduceFn.SUM, new int[] {0, 2}, false, DType.F64));
        out.add(arguments(ReduceFn.MEAN, new int[] {-1}, true, DType.F64));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} axes={1} keep={2} {3}")
    @MethodSource("reduceCases")
    void reduce(ReduceFn fn, int[] axes, boolean keepDims, DType precision) {
        Fixture f = new Fixture(precision, 500 + Arrays.hashCode(axes));
        Value x = f.input("x", f.random(2, 3, 4), "batch", 3L, 4L);
        Value y = f.g.reduce(fn, x, keepDims, axes);
        f.g.output("y", y);
        Arr expected = NaiveOps.reduce(f.arr("x"), axes, keepDims, fn == ReduceFn.MEAN, fn == ReduceFn.MAX);
        assertClose(f.run().get("y"), expected, f.tol());
    }

    @Test
    void reduceInferredShapes() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", 3L, 4L);
        assertThat(g.sum(x, true, -1).shape()).isEqualTo(shape("batch", 3, 1));
        assertThat(g.mean(x, false, 0, 2).shape()).isEqualTo(shape(3));
        assertThat(g.sum(x, false, 0, 1, 2).shape()).isEqualTo(shape());
    }

    @Test
    void reduceWithNoAxesIsRejected() {
        // ONNX reduces everything when axes are empty, numpy nothing: ambiguous, so the builder refuses it
        Fixture f = new Fixture(DType.F32, 510);
        Value x = f.input("x", f.random(2, 3));
        assertThatThrownBy(() -> f.g.sum(x, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reduce needs at least one axis");
    }

    @ParameterizedTest(name = "axis {0} {1}")
    @MethodSource("softmaxCases")
    void softmax(int axis, DType precision) {
        Fixture f = new Fixture(precision, 600 + axis);
        Value x = f.input("x", f.random(v -> 3 * v, 2, 3, 4), "batch", 3L, 4L);
        f.g.output("y", f.g.softmax(x, axis));
        Tensor y = f.run().get("y");
        Arr expected = NaiveOps.softmax(f.arr("x"), axis);
        assertClose(y, expected, f.tol());
        // each slice along the axis sums to one
        Arr sums = NaiveOps.reduce(NaiveOps.toArr(y), new int[] {axis}, false, false);
        for (double s : sums.data()) assertThat(s).isCloseTo(1.0, offset(10 * f.tol()));
    }

    static Stream<Arguments> softmaxCases() {
        return Stream.of(-1, 1).flatMap(a -> precisions().map(p -> arguments(a, p)));
    }

    // ================================================================== shapes

    @Test
    void reshapeWithZeroAndMinusOne() {
        Fixture f = new Fixture(DType.F32, 700);
        Value x = f.input("x", f.random(2, 3, 4), "batch", 3L, 4L);
        Value keepBatch = f.g.reshape(x, 0, -1);
        Value rows = f.g.reshape(x, -1, 4);
        Value split = f.g.reshape(x, 0, 3, 2, 2);
        Value flat = f.g.reshape(x, -1);
        assertThat(keepBatch.shape()).isEqualTo(shape("batch", 12));
        assertThat(rows.shape().dim(1)).isEqualTo(Dim.of(4));
        assertThat(split.shape()).isEqualTo(shape("batch", 3, 2, 2));
        f.g.output("a", keepBatch);
        f.g.output("b", rows);
        f.g.output("c", split);
        f.g.output("d", flat);
        Map<String, Tensor> out = f.run();
        double[] data = f.arr("x").data();
        // reshape never moves data in row-major order
        assertClose(out.get("a"), new Arr(new long[] {2, 12}, data), 0);
        assertClose(out.get("b"), new Arr(new long[] {6, 4}, data), 0);
        assertClose(out.get("c"), new Arr(new long[] {2, 3, 2, 2}, data), 0);
        assertClose(out.get("d"), new Arr(new long[] {24}, data), 0);
    }

    @Test
    void unsqueezeAtEachPosition() {
        Fixture f = new Fixture(DType.F32, 710);
        Value x = f.input("x", f.random(2, 3), "batch", 3L);
        Value u0 = f.g.unsqueeze(x, 0), u1 = f.g.unsqueeze(x, 1), uLast = f.g.unsqueeze(x, -1);
        assertThat(u0.shape()).isEqualTo(shape(1, "batch", 3));
        assertThat(u1.shape()).isEqualTo(shape("batch", 1, 3));
        assertThat(uLast.shape()).isEqualTo(shape("batch", 3, 1));
        f.g.output("u0", u0);
        f.g.output("u1", u1);
        f.g.output("uLast", uLast);
        Map<String, Tensor> out = f.run();
        double[] data = f.arr("x").data();
        assertClose(out.get("u0"), new Arr(new long[] {1, 2, 3}, data), 0);
        assertClose(out.get("u1"), new Arr(new long[] {2, 1, 3}, data), 0);
        assertClose(out.get("uLast"), new Arr(new long[] {2, 3, 1}, data), 0);
    }

    @Test
    void reshapeLikeTakesTheRunTimeShape() {
        Fixture f = new Fixture(DType.F32, 720);
        Value x = f.input("x", f.random(2, 12), "batch", 12L);
        Value like = f.input("like", f.random(2, 3, 4), "batch", 3L, 4L);
        Value y = f.g.reshapeLike(x, like);
        assertThat(y.shape()).isEqualTo(like.shape());
        f.g.output("y", y);
        assertClose(f.run().get("y"), new Arr(new long[] {2, 3, 4}, f.arr("x").data()), 0);
    }

    @Test
    void expandLikeBroadcasts() {
        Fixture f = new Fixture(DType.F32, 730);
        Value x = f.input("x", f.random(3, 1));
        Value like = f.input("like", f.random(2, 3, 4), "batch", 3L, 4L);
        Value y = f.g.expandLike(x, like);
        assertThat(y.shape()).isEqualTo(shape("batch", 3, 4));
        f.g.output("y", y);
        assertClose(f.run().get("y"), NaiveOps.zip(f.arr("x"), NaiveOps.Arr.zeros(2, 3, 4), (a, b) -> a), 0);
    }

    @Test
    void transposePermutations() {
        Fixture f = new Fixture(DType.F32, 740);
        Value x = f.input("x", f.random(2, 3, 4), "batch", 3L, 4L);
        Value t201 = f.g.transpose(x, 2, 0, 1);
        Value t102 = f.g.transpose(x, 1, 0, 2);
        Value last = f.g.transposeLast(x);
        assertThat(t201.shape()).isEqualTo(shape(4, "batch", 3));
        f.g.output("t201", t201);
        f.g.output("t102", t102);
        f.g.output("last", last);
        Map<String, Tensor> out = f.run();
        assertClose(out.get("t201"), NaiveOps.transpose(f.arr("x"), 2, 0, 1), 0);
        assertClose(out.get("t102"), NaiveOps.transpose(f.arr("x"), 1, 0, 2), 0);
        assertClose(out.get("last"), NaiveOps.transpose(f.arr("x"), 0, 2, 1), 0);
    }

    @Test
    void concatAlongEachAxis() {
        Fixture f = new Fixture(DType.F32, 750);
        Value a = f.input("a", f.random(2, 3, 4), "batch", 3L, 4L);
        Value b = f.input("b", f.random(2, 1, 4), "batch", 1L, 4L);
        Value c = f.input("c", f.random(2, 2, 4), "batch", 2L, 4L);
        Value d = f.input("d", f.random(2, 3, 2), "batch", 3L, 2L);
        Value e = f.input("e", f.random(1, 3, 4), 1L, 3L, 4L);
        Value ax1 = f.g.concat(1, a, b, c);
        Value axLast = f.g.concat(-1, a, d);
        Value ax0 = f.g.concat(0, a, e);
        assertThat(ax1.shape()).isEqualTo(shape("batch", 6, 4));
        assertThat(axLast.shape()).isEqualTo(shape("batch", 3, 6));
        assertThat(ax0.shape().dim(0)).isInstanceOf(Dim.Symbol.class);   // batch + 1 is not known
        f.g.output("ax1", ax1);
        f.g.output("axLast", axLast);
        f.g.output("ax0", ax0);
        Map<String, Tensor> out = f.run();
        assertClose(out.get("ax1"), NaiveOps.concat(1, f.arr("a"), f.arr("b"), f.arr("c")), 0);
        assertClose(out.get("axLast"), NaiveOps.concat(2, f.arr("a"), f.arr("d")), 0);
        assertClose(out.get("ax0"), NaiveOps.concat(0, f.arr("a"), f.arr("e")), 0);
    }

    @Test
    void sliceRangesIncludingToTheEnd() {
        Fixture f = new Fixture(DType.F32, 760);
        Value x = f.input("x", f.random(3, 5, 6), "seq", 5L, 6L);
        Value mid = f.g.slice(x, 1, 1, 3);
        Value tail = f.g.slice(x, -1, 2, Long.MAX_VALUE);
        Value symTail = f.g.slice(x, 0, 1, Long.MAX_VALUE);
        Value past = f.g.slice(x, 1, 3, 100);   // an end past the size clamps
        assertThat(mid.shape()).isEqualTo(shape("seq", 2, 6));
        assertThat(tail.shape()).isEqualTo(shape("seq", 5, 4));
        assertThat(symTail.shape()).isEqualTo(shape("seq-1", 5, 6));
        assertThat(past.shape()).isEqualTo(shape("seq", 2, 6));
        f.g.output("mid", mid);
        f.g.output("tail", tail);
        f.g.output("symTail", symTail);
        f.g.output("past", past);
        Map<String, Tensor> out = f.run();
        assertClose(out.get("mid"), NaiveOps.slice(f.arr("x"), 1, 1, 3), 0);
        assertClose(out.get("tail"), NaiveOps.slice(f.arr("x"), 2, 2, Long.MAX_VALUE), 0);
        assertClose(out.get("symTail"), NaiveOps.slice(f.arr("x"), 0, 1, Long.MAX_VALUE), 0);
        assertClose(out.get("past"), NaiveOps.slice(f.arr("x"), 1, 3, 100), 0);
    }

    @Test
    void padWithZerosOnOneAxis() {
        Fixture f = new Fixture(DType.F32, 770);
        Value x = f.input("x", f.random(2, 3, 4), "batch", 3L, 4L);
        Value p1 = f.g.pad(x, 1, 2, 1);
        Value pLast = f.g.pad(x, -1, 0, 3);
        Value p0 = f.g.pad(x, 0, 1, 0);
        assertThat(p1.shape()).isEqualTo(shape("batch", 6, 4));
        assertThat(pLast.shape()).isEqualTo(shape("batch", 3, 7));
        f.g.output("p1", p1);
        f.g.output("pLast", pLast);
        f.g.output("p0", p0);
        Map<String, Tensor> out = f.run();
        assertClose(out.get("p1"), NaiveOps.pad(f.arr("x"), 1, 2, 1), 0);
        assertClose(out.get("pLast"), NaiveOps.pad(f.arr("x"), 2, 0, 3), 0);
        assertClose(out.get("p0"), NaiveOps.pad(f.arr("x"), 0, 1, 0), 0);
    }

    // ================================================================== indexing

    @Test
    void gatherEmbeddingLookup() {
        Fixture f = new Fixture(DType.F32, 800);
        long[] ids = {0, 6, 3, 3, 1, 6, 2, 0};
        Value table = f.input("table", f.random(7, 5));
        Value idx = f.input("ids", Tensor.ofLongs(ids, 2, 4), "batch", "seq");
        Value y = f.g.gather(table, idx);
        assertThat(y.shape()).isEqualTo(shape("batch", "seq", 5));
        f.g.output("y", y);
        assertClose(f.run().get("y"), NaiveOps.gather(f.arr("table"), ids, new long[] {2, 4}), 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void scatterAddRowsAddsRepeatedIndices(DType precision) {
        Fixture f = new Fixture(precision, 810);
        long[] ids = {2, 5, 2, 0, 2, 5};   // row 2 three times, row 5 twice, rows 1, 3, 4, 6 never
        Value like = f.input("like", f.random(7, 5));
        Value idx = f.input("ids", Tensor.ofLongs(ids, 2, 3), "batch", "seq");
        Value upd = f.input("upd", f.random(2, 3, 5), "batch", "seq", 5L);
        Value y = f.g.scatterAddRows(like, idx, upd);
        assertThat(y.shape()).isEqualTo(shape(7, 5));
        f.g.output("y", y);
        Tensor out = f.run().get("y");
        Arr expected = NaiveOps.scatterAddRows(new long[] {7, 5}, ids, f.arr("upd"));
        assertClose(out, expected, f.tol());
        // the values of `like` must not leak into the result: untouched rows are exactly zero
        for (int j = 0; j < 5; j++) assertThat(out.getDouble(5 + j)).isZero();
    }

    // ================================================================== casts

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void castInt64ToFloat(DType precision) {
        Fixture f = new Fixture(precision, 820);
        long[] vals = {-3, 0, 7, 123456, (1L << 24) + 1};
        Value x = f.input("x", Tensor.ofLongs(vals, 5), "n");
        Value y = f.g.cast(x, DType.F32);
        assertThat(y.dtype()).isEqualTo(DType.F32);
        f.g.output("y", y);
        Tensor out = f.run().get("y");
        assertThat(out.dtype()).isEqualTo(precision);
        // float values are computed in the run precision: 2^24 + 1 is exact in F64, rounds in F32
        double[] expected = Arrays.stream(vals).mapToDouble(v -> precision == DType.F64 ? (double) v : (double) (float) v).toArray();
        assertThat(out.toDoubles()).containsExactly(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void castFloatToFloat(DType precision) {
        Fixture f = new Fixture(precision, 830);
        Value x = f.input("x", f.random(2, 3), "batch", 3L);
        f.g.output("y", f.g.cast(x, DType.F32));
        assertClose(f.run().get("y"), f.arr("x"), 0);
    }

    // ================================================================== loss

    private static final long[] LABELS = {3, -100, 0, 6, -100, 2};

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void crossEntropyMeansOverLabelledRowsOnly(DType precision) {
        Fixture f = new Fixture(precision, 900);
        Value logits = f.input("logits", f.random(v -> 2 * v, 6, 7), "n", 7L);
        Value labels = f.input("labels", Tensor.ofLongs(LABELS, 6), "n");
        Value loss = f.g.crossEntropy(logits, labels, -100);
        assertThat(loss.shape()).isEqualTo(shape());
        f.g.output("loss", loss);
        Tensor out = f.run().get("loss");
        assertThat(out.shape()).isEmpty();
        double expected = NaiveOps.crossEntropy(f.arr("logits"), LABELS, -100);
        assertThat(out.getDouble(0)).isCloseTo(expected, offset(f.tol() * (1 + Math.abs(expected))));
        // dividing by all 6 rows instead of the 4 labelled ones would be visibly smaller
        assertThat(out.getDouble(0)).isNotCloseTo(expected * 4 / 6, offset(1e-3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void crossEntropyOfOnlyIgnoredRowsIsNaN(DType precision) {
        Fixture f = new Fixture(precision, 910);
        Value logits = f.input("logits", f.random(3, 4), "n", 4L);
        Value labels = f.input("labels", Tensor.ofLongs(new long[] {-100, -100, -100}, 3), "n");
        f.g.output("loss", f.g.crossEntropy(logits, labels, -100));
        assertThat(f.run().get("loss").getDouble(0)).isNaN();
    }

    @Test
    void crossEntropyHonoursAnotherIgnoreIndex() {
        Fixture f = new Fixture(DType.F32, 920);
        long[] labels = {1, -1, 2, 0};
        Value logits = f.input("logits", f.random(4, 3));
        Value lab = f.input("labels", Tensor.ofLongs(labels, 4));
        f.g.output("loss", f.g.crossEntropy(logits, lab, -1));
        double expected = NaiveOps.crossEntropy(f.arr("logits"), labels, -1);
        assertThat(f.run().get("loss").getDouble(0)).isCloseTo(expected, offset(F32_TOL * (1 + expected)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void crossEntropyGrad(DType precision) {
        Fixture f = new Fixture(precision, 930);
        double upstream = 0.7;
        Value logits = f.input("logits", f.random(v -> 2 * v, 6, 7), "n", 7L);
        Value labels = f.input("labels", Tensor.ofLongs(LABELS, 6), "n");
        Value up = f.input("up", f.random(v -> upstream));
        Value grad = f.g.crossEntropyGrad(logits, labels, up, -100);
        assertThat(grad.shape()).isEqualTo(shape("n", 7));
        f.g.output("grad", grad);
        Tensor out = f.run().get("grad");
        double u = f.feeds.get("up").getDouble(0);
        assertClose(out, NaiveOps.crossEntropyGrad(f.arr("logits"), LABELS, u, -100), f.tol());
        // ignored rows get no gradient at all
        for (int j = 0; j < 7; j++) assertThat(out.getDouble(7 + j)).isZero();
    }

    @Test
    void crossEntropyGradOfOnlyIgnoredRowsIsZero() {
        Fixture f = new Fixture(DType.F32, 940);
        Value logits = f.input("logits", f.random(3, 4));
        Value labels = f.input("labels", Tensor.ofLongs(new long[] {-100, -100, -100}, 3));
        Value up = f.input("up", Tensor.scalar(1f));
        f.g.output("grad", f.g.crossEntropyGrad(logits, labels, up, -100));
        assertClose(f.run().get("grad"), NaiveOps.Arr.zeros(3, 4), 0);
    }

    // ================================================================== composites

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void rmsNorm(DType precision) {
        Fixture f = new Fixture(precision, 1000);
        Value x = f.input("x", f.random(2, 3, 8), "batch", "seq", 8L);
        Value w = f.input("w", f.random(v -> 1 + 0.3 * v, 8));
        Value y = f.g.rmsNorm(x, w, 1e-6);
        assertThat(y.shape()).isEqualTo(shape("batch", "seq", 8));
        f.g.output("y", y);
        // eps reaches the graph as a float32 scalar; use the same value so F64 can be held to 1e-12
        assertClose(f.run().get("y"), NaiveOps.rmsNorm(f.arr("x"), f.arr("w"), (float) 1e-6), f.tol());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void layerNorm(DType precision) {
        Fixture f = new Fixture(precision, 1010);
        // an offset mean checks that the variance is taken about the mean
        Value x = f.input("x", f.random(v -> 3 + 2 * v, 2, 3, 8), "batch", "seq", 8L);
        Value w = f.input("w", f.random(v -> 1 + 0.3 * v, 8));
        Value b = f.input("b", f.random(8));
        Value y = f.g.layerNorm(x, w, b, 1e-5);
        assertThat(y.shape()).isEqualTo(shape("batch", "seq", 8));
        f.g.output("y", y);
        assertClose(f.run().get("y"), NaiveOps.layerNorm(f.arr("x"), f.arr("w"), f.arr("b"), (float) 1e-5), f.tol());
    }

    /**
     * Float32 only: inv_freq is computed in float32 (as Hugging Face does), so an F64 run is not
     * exact to 1e-12 against the double formula by design.
     */
    @ParameterizedTest(name = "theta {0}")
    @MethodSource("rotaryThetas")
    void rotaryRotateHalf(double theta) {
        Fixture f = new Fixture(DType.F32, 1100 + (long) Math.log(theta));
        // left padding (repeated 0s) in row 0, a decode-like offset in row 1
        long[] pos = {0, 0, 0, 1, 2, 3, 9, 17, 25, 40};
        Value x = f.input("x", f.random(2, 3, 5, 8), "batch", 3L, "seq", 8L);
        Value p = f.input("pos", Tensor.ofLongs(pos, 2, 5), "batch", "seq");
        Value y = f.g.rotary(x, p, theta);
        assertThat(y.shape()).isEqualTo(shape("batch", 3, "seq", 8));
        f.g.output("y", y);
        Tensor out = f.run().get("y");
        assertClose(out, NaiveOps.rotary(f.arr("x"), pos, theta), F32_TOL);
        // position 0 is the identity
        Arr xa = f.arr("x");
        for (int j = 0; j < 8; j++) assertThat(out.getDouble(j)).isEqualTo(xa.data()[j]);
    }

    @Test
    void rotaryInFloat64() {
        Fixture f = new Fixture(DType.F64, 1105);
        long[] pos = {0, 1, 2, 7, 3, 9};
        Value x = f.input("x", f.random(2, 2, 3, 8), "batch", 2L, "seq", 8L);
        Value p = f.input("pos", Tensor.ofLongs(pos, 2, 3), "batch", "seq");
        f.g.output("y", f.g.rotary(x, p, 10000));
        // F32 tolerance: inv_freq is rounded to float32 by design (as Hugging Face)
        assertClose(f.run().get("y"), NaiveOps.rotary(f.arr("x"), pos, 10000), F32_TOL);
    }

    static Stream<Double> rotaryThetas() {
        return Stream.of(10000.0, 1000000.0);
    }

    @Test
    void rotaryOfKnownVector() {
        // D = 4, theta = 100: inv_freq = {1, 0.1}; at position 1, angles {1, 0.1, 1, 0.1}.
        // x = (1, 2, 3, 4): out = x cos + (-3, -4, 1, 2) sin
        Fixture f = new Fixture(DType.F32, 1110);
        Value x = f.input("x", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 1, 1, 4));
        Value p = f.input("pos", Tensor.ofLongs(new long[] {1}, 1, 1));
        f.g.output("y", f.g.rotary(x, p, 100));
        double c1 = Math.cos(1), s1 = Math.sin(1), c2 = Math.cos(0.1), s2 = Math.sin(0.1);
        double[] expected = {1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2};
        assertClose(f.run().get("y"), new Arr(new long[] {1, 1, 1, 4}, expected), F32_TOL);
    }

    /** An additive causal mask [1, 1, T, S] for queries at the last T of S positions. */
    static Tensor causalMask(DType precision, int t, int s, double blocked) {
        double[] m = new double[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) m[i * s + j] = j <= i + (s - t) ? 0 : blocked;
        }
        Tensor d = Tensor.ofDoubles(m, 1, 1, t, s);
        return precision == DType.F64 ? d : d.toFloating(DType.F32);
    }

    private record AttnCase(String name, int heads, int kvHeads, int t, int s, String mask, DType precision) {
        @Override
        public String toString() {
            return name + " " + precision;
        }
    }

    static Stream<AttnCase> attentionCases() {
        return Stream.of(
                new AttnCase("MHA no mask", 2, 2, 3, 5, "none", DType.F32),
                new AttnCase("MHA random mask", 2, 2, 3, 5, "random", DType.F32),
                new AttnCase("GQA no mask", 4, 2, 3, 5, "none", DType.F32),
                new AttnCase("GQA random mask", 4, 2, 3, 5, "random", DType.F32),
                new AttnCase("GQA causal -inf", 4, 2, 3, 5, "-inf", DType.F32),
                new AttnCase("GQA causal -1e9", 4, 2, 4, 4, "-1e9", DType.F32),
                new AttnCase("MQA causal -inf", 4, 1, 3, 5, "-inf", DType.F32),
                new AttnCase("GQA random mask", 4, 2, 3, 5, "random", DType.F64),
                new AttnCase("GQA causal -inf", 4, 2, 3, 5, "-inf", DType.F64),
                new AttnCase("MHA no mask", 2, 2, 2, 3, "none", DType.F64));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentionCases")
    void attention(AttnCase c) {
        int b = 2, d = 4;
        Fixture f = new Fixture(c.precision(), 1200 + c.name().hashCode());
        Value q = f.input("q", f.random(b, c.heads(), c.t(), d), "batch", (long) c.heads(), "seq", (long) d);
        Value k = f.input("k", f.random(b, c.kvHeads(), c.s(), d), "batch", (long) c.kvHeads(), "kvseq", (long) d);
        Value v = f.input("v", f.random(b, c.kvHeads(), c.s(), d), "batch", (long) c.kvHeads(), "kvseq", (long) d);
        Value mask = switch (c.mask()) {
            case "none" -> null;
            case "random" -> f.input("mask", f.random(b, 1, c.t(), c.s()), "batch", 1L, "seq", "kvseq");
            case "-inf" -> f.input("mask", causalMask(c.precision(), c.t(), c.s(), Double.NEGATIVE_INFINITY), 1L, 1L, "seq", "kvseq");
            default -> f.input("mask", causalMask(c.precision(), c.t(), c.s(), -1e9), 1L, 1L, "seq", "kvseq");
        };
        // 1/sqrt(4) = 0.5 is exact in float32, so the F64 run is not limited by the scale's recording
        double scale = 1 / Math.sqrt(d);
        Value y = f.g.attention(q, k, v, mask, scale);
        assertThat(y.shape()).isEqualTo(shape("batch", c.heads(), "seq", d));
        f.g.output("y", y);
        Tensor out = f.run().get("y");
        Arr expected = NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), mask == null ? null : f.arr("mask"), scale);
        assertClose(out, expected, f.tol());
    }

    @Test
    void attentionScaleOtherThanOneOverSqrtD() {
        // D = 8 makes 1/sqrt(D) inexact in float32; F32 tolerance covers the scalar's rounding
        Fixture f = new Fixture(DType.F32, 1250);
        Value q = f.input("q", f.random(1, 4, 3, 8));
        Value k = f.input("k", f.random(1, 2, 6, 8));
        Value v = f.input("v", f.random(1, 2, 6, 8));
        f.g.output("y", f.g.attention(q, k, v, null, 1 / Math.sqrt(8)));
        f.g.output("z", f.g.attention(q, k, v, null, 1.3));
        Map<String, Tensor> out = f.run();
        assertClose(out.get("y"), NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), null, 1 / Math.sqrt(8)), F32_TOL);
        assertClose(out.get("z"), NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), null, 1.3), F32_TOL);
    }

    @Test
    void attentionGroupsQueryHeadsByDivisionNotModulo() {
        // Keys/values that differ per kv head, identical queries per head: with H=4, KV=2 heads 0 and 1
        // must read kv head 0 and heads 2 and 3 kv head 1 (h / (H/KV)), not h % KV.
        Fixture f = new Fixture(DType.F32, 1260);
        Tensor qOne = f.random(1, 1, 2, 4);
        float[] qv = new float[4 * 2 * 4];
        for (int h = 0; h < 4; h++) System.arraycopy(qOne.toFloats(), 0, qv, h * 8, 8);
        Value q = f.input("q", Tensor.ofFloats(qv, 1, 4, 2, 4));
        Value k = f.input("k", f.random(1, 2, 3, 4));
        Value v = f.input("v", f.random(1, 2, 3, 4));
        f.g.output("y", f.g.attention(q, k, v, null, 0.5));
        float[] y = f.run().get("y").toFloats();
        float[] head0 = Arrays.copyOfRange(y, 0, 8), head1 = Arrays.copyOfRange(y, 8, 16);
        float[] head2 = Arrays.copyOfRange(y, 16, 24), head3 = Arrays.copyOfRange(y, 24, 32);
        assertThat(head1).containsExactly(head0);
        assertThat(head3).containsExactly(head2);
        assertThat(head2).isNotEqualTo(head0);
    }

    @Test
    void attentionGqaWithRank2Mask() {
        Fixture f = new Fixture(DType.F32, 1270);
        Value q = f.input("q", f.random(2, 4, 3, 4));
        Value k = f.input("k", f.random(2, 2, 5, 4));
        Value v = f.input("v", f.random(2, 2, 5, 4));
        Value mask = f.input("mask", f.random(3, 5));
        f.g.output("y", f.g.attention(q, k, v, mask, 0.5));
        assertClose(f.run().get("y"), NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), f.arr("mask"), 0.5), F32_TOL);
    }

    @Test
    void attentionGqaWithRank3Mask() {
        // H = 4, KV = 2: two query heads per group, and T = 2 so the misaligned broadcast does not fail
        Fixture f = new Fixture(DType.F32, 1275);
        Value q = f.input("q", f.random(2, 4, 2, 4));
        Value k = f.input("k", f.random(2, 2, 5, 4));
        Value v = f.input("v", f.random(2, 2, 5, 4));
        Value mask = f.input("mask", f.random(1, 2, 5));
        f.g.output("y", f.g.attention(q, k, v, mask, 0.5));
        assertClose(f.run().get("y"), NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), f.arr("mask"), 0.5), F32_TOL);
    }

    @Test
    void attentionMhaWithRank2Mask() {
        // the same [T, S] mask on the non-grouped path, which broadcasts it correctly
        Fixture f = new Fixture(DType.F32, 1280);
        Value q = f.input("q", f.random(2, 2, 3, 4));
        Value k = f.input("k", f.random(2, 2, 5, 4));
        Value v = f.input("v", f.random(2, 2, 5, 4));
        Value mask = f.input("mask", f.random(3, 5));
        f.g.output("y", f.g.attention(q, k, v, mask, 0.5));
        assertClose(f.run().get("y"), NaiveOps.attention(f.arr("q"), f.arr("k"), f.arr("v"), f.arr("mask"), 0.5), F32_TOL);
    }

    // ================================================================== shape checking

    @Test
    void matmulInnerMismatchNamesBothShapes() {
        GraphBuilder g = new GraphBuilder();
        Value a = g.input("a", DType.F32, "batch", 3L);
        Value b = g.input("b", DType.F32, 4L, 5L);
        assertThatThrownBy(() -> g.matmul(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[batch, 3]").hasMessageContaining("[4, 5]");
    }

    @Test
    void matmulBatchMismatchIsRejected() {
        GraphBuilder g = new GraphBuilder();
        Value a = g.input("a", DType.F32, 2L, 3L, 4L);
        Value b = g.input("b", DType.F32, 3L, 4L, 5L);
        // names the two batch shapes
        assertThatThrownBy(() -> g.matmul(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2]").hasMessageContaining("[3]");
    }

    @Test
    void broadcastFailureNamesBothShapes() {
        GraphBuilder g = new GraphBuilder();
        Value a = g.input("a", DType.F32, "batch", 3L, 4L);
        Value b = g.input("b", DType.F32, 2L, 5L);
        assertThatThrownBy(() -> g.add(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[batch, 3, 4]").hasMessageContaining("[2, 5]");
        Value c = g.input("c", DType.F32, 3L, 1L);
        Value d = g.input("d", DType.F32, 2L, 4L);
        assertThatThrownBy(() -> g.mul(c, d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 1]").hasMessageContaining("[2, 4]");
    }

    @Test
    void linearWeightMismatchNamesBothShapes() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "batch", "seq", 4L);
        Value w = g.input("w", DType.F32, 5L, 3L);
        assertThatThrownBy(() -> g.linear(x, w, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[batch, seq, 4]").hasMessageContaining("[5, 3]");
        Value w2 = g.input("w2", DType.F32, 5L, 4L);
        Value bias = g.input("bias", DType.F32, 6L);
        assertThatThrownBy(() -> g.linear(x, w2, bias)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[6]").hasMessageContaining("[5, 4]");
    }
}
