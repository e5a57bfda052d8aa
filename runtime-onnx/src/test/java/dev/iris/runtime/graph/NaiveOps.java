package dev.iris.runtime.graph;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Plain-Java reference implementations, written from the mathematical definitions with explicit
 * index loops and double accumulation. Deliberately shares no code with the compiler or the
 * decomposer, so that a test compares two independent computations.
 */
final class NaiveOps {
    private NaiveOps() {}

    /** A dense row-major array of doubles. */
    record Arr(long[] shape, double[] data) {
        Arr {
            if (count(shape) != data.length) throw new IllegalArgumentException(Arrays.toString(shape) + " vs " + data.length);
        }

        static Arr zeros(long... shape) {
            return new Arr(shape, new double[(int) count(shape)]);
        }

        int rank() {
            return shape.length;
        }

        int dim(int axis) {
            return (int) shape[axis < 0 ? axis + shape.length : axis];
        }

        double get(int... idx) {
            return data[offset(shape, idx)];
        }

        void set(double v, int... idx) {
            data[offset(shape, idx)] = v;
        }
    }

    static Arr toArr(dev.iris.api.tensor.Tensor t) {
        return new Arr(t.shape(), t.toDoubles());
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    static int offset(long[] shape, int[] idx) {
        int off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException(Arrays.toString(idx) + " in " + Arrays.toString(shape));
            off = off * (int) shape[i] + idx[i];
        }
        return off;
    }

    /** The multi-index of flat position {@code flat} in a row-major array of {@code shape}. */
    static int[] unravel(long[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            idx[i] = (int) (flat % shape[i]);
            flat /= (int) shape[i];
        }
        return idx;
    }

    // ------------------------------------------------------------------ elementwise

    static Arr map(Arr x, DoubleUnaryOperator f) {
        double[] out = new double[x.data().length];
        for (int i = 0; i < out.length; i++) out[i] = f.applyAsDouble(x.data()[i]);
        return new Arr(x.shape(), out);
    }

    static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            long db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("no broadcast");
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /** The element of {@code x} that position {@code idx} of a broadcast result reads. */
    static double at(Arr x, int[] idx) {
        int lead = idx.length - x.rank();
        int[] own = new int[x.rank()];
        for (int i = 0; i < own.length; i++) own[i] = x.shape()[i] == 1 ? 0 : idx[i + lead];
        return x.get(own);
    }

    static Arr zip(Arr a, Arr b, DoubleBinaryOperator f) {
        long[] shape = broadcastShape(a.shape(), b.shape());
        Arr out = Arr.zeros(shape);
        for (int i = 0; i < out.data().length; i++) {
            int[] idx = unravel(shape, i);
            out.data()[i] = f.applyAsDouble(at(a, idx), at(b, idx));
        }
        return out;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** PyTorch's {@code gelu(approximate="tanh")}. */
    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /**
     * The error function to double precision: {@code 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (2n+1)!!},
     * a series of positive terms (no cancellation); |x| >= 6 rounds to +-1 in double.
     */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 6) return Math.signum(x);
        double t = 2 * a * a, term = a, sum = a;
        for (int n = 1; term > sum * 1e-18; n++) {
            term *= t / (2 * n + 1);
            sum += term;
        }
        return Math.signum(x) * Math.min(1.0, 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum);
    }

    // ------------------------------------------------------------------ linear algebra

    /** [..., m, k] x [..., k, n] with numpy-broadcast batch dimensions. */
    static Arr matmul(Arr a, Arr b) {
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("inner");
        long[] batchA = Arrays.copyOf(a.shape(), a.rank() - 2);
        long[] batchB = Arrays.copyOf(b.shape(), b.rank() - 2);
        long[] batch = broadcastShape(batchA, batchB);
        long[] shape = Arrays.copyOf(batch, batch.length + 2);
        shape[batch.length] = m;
        shape[batch.length + 1] = n;
        Arr out = Arr.zeros(shape);
        for (int bi = 0; bi < count(batch); bi++) {
            int[] bIdx = unravel(batch, bi);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += batchAt(a, bIdx, i, p) * batchAt(b, bIdx, p, j);
                    out.set(s, concatIdx(bIdx, i, j));
                }
            }
        }
        return out;
    }

    private static double batchAt(Arr x, int[] batchIdx, int r, int c) {
        int lead = batchIdx.length - (x.rank() - 2);
        int[] idx = new int[x.rank()];
        for (int i = 0; i < x.rank() - 2; i++) idx[i] = x.shape()[i] == 1 ? 0 : batchIdx[i + lead];
        idx[x.rank() - 2] = r;
        idx[x.rank() - 1] = c;
        return x.get(idx);
    }

    private static int[] concatIdx(int[] head, int... tail) {
        int[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    /** x [..., in] times weight [out, in] transposed, plus bias [out] (or none). */
    static Arr linear(Arr x, Arr w, Arr bias) {
        int in = x.dim(-1), outF = w.dim(0);
        int rows = x.data().length / in;
        long[] shape = x.shape().clone();
        shape[shape.length - 1] = outF;
        Arr out = Arr.zeros(shape);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outF; o++) {
                double s = bias == null ? 0 : bias.data()[o];
                for (int i = 0; i < in; i++) s += x.data()[r * in + i] * w.get(o, i);
                out.data()[r * outF + o] = s;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ reductions

    static Arr reduce(Arr x, int[] axes, boolean keepDims, boolean mean) {
        return reduce(x, axes, keepDims, mean, false);
    }

    static Arr reduce(Arr x, int[] axes, boolean keepDims, boolean mean, boolean max) {
        boolean[] red = new boolean[x.rank()];
        for (int a : axes) red[a < 0 ? a + x.rank() : a] = true;
        long[] kept = new long[x.rank()];
        long n = 1;
        for (int i = 0; i < x.rank(); i++) {
            kept[i] = red[i] ? 1 : x.shape()[i];
            if (red[i]) n *= x.shape()[i];
        }
        double[] acc = new double[(int) count(kept)];
        if (max) java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
        for (int f = 0; f < x.data().length; f++) {
            int[] idx = unravel(x.shape(), f);
            for (int i = 0; i < idx.length; i++) if (red[i]) idx[i] = 0;
            int o = offset(kept, idx);
            acc[o] = max ? Math.max(acc[o], x.data()[f]) : acc[o] + x.data()[f];
        }
        if (mean) for (int i = 0; i < acc.length; i++) acc[i] /= n;
        if (keepDims) return new Arr(kept, acc);
        long[] shape = java.util.stream.IntStream.range(0, x.rank()).filter(i -> !red[i]).mapToLong(i -> x.shape()[i]).toArray();
        return new Arr(shape, acc);
    }

    static Arr softmax(Arr x, int axis) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        Arr out = Arr.zeros(x.shape());
        int len = x.dim(ax);
        for (int f = 0; f < x.data().length; f++) {
            int[] idx = unravel(x.shape(), f);
            if (idx[ax] != 0) continue;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                idx[ax] = j;
                max = Math.max(max, x.get(idx));
            }
            double sum = 0;
            for (int j = 0; j < len; j++) {
                idx[ax] = j;
                sum += Math.exp(x.get(idx) - max);
            }
            for (int j = 0; j < len; j++) {
                idx[ax] = j;
                out.set(Math.exp(x.get(idx) - max) / sum, idx);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ layout

    static Arr transpose(Arr x, int... perm) {
        long[] shape = new long[perm.length];
        for (int i = 0; i < perm.length; i++) shape[i] = x.shape()[perm[i]];
        Arr out = Arr.zeros(shape);
        for (int f = 0; f < out.data().length; f++) {
            int[] idx = unravel(shape, f);
            int[] src = new int[perm.length];
            for (int i = 0; i < perm.length; i++) src[perm[i]] = idx[i];
            out.data()[f] = x.get(src);
        }
        return out;
    }

    static Arr concat(int axis, Arr... parts) {
        long[] shape = parts[0].shape().clone();
        shape[axis] = 0;
        for (Arr p : parts) shape[axis] += p.shape()[axis];
        Arr out = Arr.zeros(shape);
        for (int f = 0; f < out.data().length; f++) {
            int[] idx = unravel(shape, f);
            int j = idx[axis];
            for (Arr p : parts) {
                if (j < p.shape()[axis]) {
                    int[] src = idx.clone();
                    src[axis] = j;
                    out.data()[f] = p.get(src);
                    break;
                }
                j -= (int) p.shape()[axis];
            }
        }
        return out;
    }

    static Arr slice(Arr x, int axis, long start, long end) {
        long e = Math.min(end, x.shape()[axis]);
        long[] shape = x.shape().clone();
        shape[axis] = e - start;
        Arr out = Arr.zeros(shape);
        for (int f = 0; f < out.data().length; f++) {
            int[] idx = unravel(shape, f);
            idx[axis] += (int) start;
            out.data()[f] = x.get(idx);
        }
        return out;
    }

    static Arr pad(Arr x, int axis, long before, long after) {
        long[] shape = x.shape().clone();
        shape[axis] += before + after;
        Arr out = Arr.zeros(shape);
        for (int f = 0; f < x.data().length; f++) {
            int[] idx = unravel(x.shape(), f);
            idx[axis] += (int) before;
            out.set(x.data()[f], idx);
        }
        return out;
    }

    // ------------------------------------------------------------------ indexing

    /** Rows of table [N, D] at ids (any shape): result ids.shape + [D]. */
    static Arr gather(Arr table, long[] ids, long[] idShape) {
        int d = table.dim(1);
        long[] shape = Arrays.copyOf(idShape, idShape.length + 1);
        shape[idShape.length] = d;
        Arr out = Arr.zeros(shape);
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < d; j++) out.data()[i * d + j] = table.get((int) ids[i], j);
        }
        return out;
    }

    /** Zeros [N, D] with row updates[i] added at row ids[i]. */
    static Arr scatterAddRows(long[] likeShape, long[] ids, Arr updates) {
        Arr out = Arr.zeros(likeShape);
        int d = (int) likeShape[1];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < d; j++) out.data()[(int) ids[i] * d + j] += updates.data()[i * d + j];
        }
        return out;
    }

    // ------------------------------------------------------------------ loss

    /** -log softmax(row)[label], or NaN for an ignored row. */
    private static double rowLoss(Arr logits, int r, long label) {
        int v = logits.dim(1);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) max = Math.max(max, logits.get(r, j));
        double sum = 0;
        for (int j = 0; j < v; j++) sum += Math.exp(logits.get(r, j) - max);
        return -(logits.get(r, (int) label) - max - Math.log(sum));
    }

    static double crossEntropy(Arr logits, long[] labels, long ignore) {
        double total = 0;
        int n = 0;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] == ignore) continue;
            total += rowLoss(logits, r, labels[r]);
            n++;
        }
        return total / n;   // 0/0 = NaN when every row is ignored, as PyTorch
    }

    static Arr crossEntropyGrad(Arr logits, long[] labels, double upstream, long ignore) {
        int n = 0;
        for (long l : labels) if (l != ignore) n++;
        Arr out = Arr.zeros(logits.shape());
        int v = logits.dim(1);
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] == ignore) continue;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, logits.get(r, j));
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(logits.get(r, j) - max);
            for (int j = 0; j < v; j++) {
                double p = Math.exp(logits.get(r, j) - max) / sum;
                out.set((p - (j == labels[r] ? 1 : 0)) * upstream / n, r, j);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ model blocks

    static Arr rmsNorm(Arr x, Arr w, double eps) {
        int d = x.dim(-1);
        Arr out = Arr.zeros(x.shape());
        for (int r = 0; r < x.data().length / d; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += x.data()[r * d + j] * x.data()[r * d + j];
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) out.data()[r * d + j] = x.data()[r * d + j] * inv * w.data()[j];
        }
        return out;
    }

    /** Biased variance, as {@code torch.nn.LayerNorm}. */
    static Arr layerNorm(Arr x, Arr w, Arr b, double eps) {
        int d = x.dim(-1);
        Arr out = Arr.zeros(x.shape());
        for (int r = 0; r < x.data().length / d; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) mean += x.data()[r * d + j];
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) var += (x.data()[r * d + j] - mean) * (x.data()[r * d + j] - mean);
            var /= d;
            double inv = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < d; j++) out.data()[r * d + j] = (x.data()[r * d + j] - mean) * inv * w.data()[j] + b.data()[j];
        }
        return out;
    }

    /**
     * Llama/Qwen2 rotary embedding of x [B, H, T, D] at positions [B, T]: for j in [0, D/2),
     * angle = pos / theta^(2j/D); out[j] = x[j] cos - x[j + D/2] sin and
     * out[j + D/2] = x[j + D/2] cos + x[j] sin.
     */
    static Arr rotary(Arr x, long[] positions, double theta) {
        int bN = x.dim(0), hN = x.dim(1), tN = x.dim(2), d = x.dim(3), half = d / 2;
        Arr out = Arr.zeros(x.shape());
        for (int b = 0; b < bN; b++) {
            for (int h = 0; h < hN; h++) {
                for (int t = 0; t < tN; t++) {
                    double pos = positions[b * tN + t];
                    for (int j = 0; j < half; j++) {
                        double angle = pos / Math.pow(theta, 2.0 * j / d);
                        double c = Math.cos(angle), s = Math.sin(angle);
                        double x1 = x.get(b, h, t, j), x2 = x.get(b, h, t, j + half);
                        out.set(x1 * c - x2 * s, b, h, t, j);
                        out.set(x2 * c + x1 * s, b, h, t, j + half);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Attention of q [B, H, T, D] over k, v [B, KV, S, D]: query head h reads key/value head
     * h / (H / KV), as {@code repeat_kv} in Hugging Face. {@code mask} is additive and
     * broadcastable to [B, 1, T, S], or null.
     */
    static Arr attention(Arr q, Arr k, Arr v, Arr mask, double scale) {
        int bN = q.dim(0), hN = q.dim(1), tN = q.dim(2), d = q.dim(3);
        int kvN = k.dim(1), sN = k.dim(2), dv = v.dim(3);
        int rep = hN / kvN;
        Arr out = Arr.zeros(bN, hN, tN, dv);
        double[] p = new double[sN];
        for (int b = 0; b < bN; b++) {
            for (int h = 0; h < hN; h++) {
                int kv = h / rep;
                for (int t = 0; t < tN; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < sN; s++) {
                        double dot = 0;
                        for (int j = 0; j < d; j++) dot += q.get(b, h, t, j) * k.get(b, kv, s, j);
                        p[s] = dot * scale + (mask == null ? 0 : at(mask, new int[] {b, 0, t, s}));
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < sN; s++) {
                        p[s] = Math.exp(p[s] - max);
                        sum += p[s];
                    }
                    for (int j = 0; j < dv; j++) {
                        double acc = 0;
                        for (int s = 0; s < sN; s++) acc += p[s] / sum * v.get(b, kv, s, j);
                        out.set(acc, b, h, t, j);
                    }
                }
            }
        }
        return out;
    }
}
