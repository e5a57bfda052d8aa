package dev.iris.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A STREAM-triad-like probe: {@code a[i] = b[i] + s * c[i]} over three double arrays much larger
 * than the caches, split between threads. Each element moves 3 x 8 bytes (2 reads, 1 write), as
 * STREAM counts it; the write-allocate read that x86 also does without streaming stores is not
 * counted, so the figure is a lower bound on the bus traffic (and what STREAM would report).
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    /** Best GB/s (1e9 bytes) of {@code runs} triads over arrays of {@code elements} doubles each. */
    public static double triadGbPerS(int elements, int threads, int runs) {
        double[] a = new double[elements], b = new double[elements], c = new double[elements];
        // touch every page first, so the timed runs measure memory and not page faults
        for (int i = 0; i < elements; i++) {
            b[i] = i;
            c[i] = 1.0 / (i + 1);
        }
        return bestGbPerS(elements, 3 * 8, threads, runs, (pass, from, to) -> {
            triad(a, b, c, 1.0 + pass, from, to);
            return from < to ? Double.doubleToRawLongBits(a[from]) : 0;
        });
    }

    /**
     * Best GB/s of {@code runs} read-only passes (a sum) over one array of {@code elements} longs:
     * decode only reads its weights, and reads alone stream faster than the triad's read-write mix.
     */
    public static double readGbPerS(int elements, int threads, int runs) {
        long[] a = new long[elements];
        for (int i = 0; i < elements; i++) a[i] = i;
        return bestGbPerS(elements, 8, threads, runs, (pass, from, to) -> sum(a, from, to));
    }

    /** One thread's share of a pass: elements [from, to); returns a value that keeps its work observable. */
    private interface Slice {
        long run(int pass, int from, int to);
    }

    /** The best of {@code runs} passes, each split evenly between {@code threads} threads. */
    private static double bestGbPerS(int elements, int bytesPerElement, int threads, int runs, Slice slice) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "iris-bandwidth");
            t.setDaemon(true);
            return t;
        });
        try {
            double best = 0;
            long check = 0;
            for (int run = 0; run < runs; run++) {
                int pass = run;
                long t0 = System.nanoTime();
                List<Future<Long>> parts = new ArrayList<>();
                for (int k = 0; k < threads; k++) {
                    int from = (int) ((long) elements * k / threads), to = (int) ((long) elements * (k + 1) / threads);
                    parts.add(pool.submit(() -> slice.run(pass, from, to)));
                }
                for (Future<Long> f : parts) check += f.get();
                double seconds = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, (double) bytesPerElement * elements / seconds / 1e9);
            }
            if (check == 42) System.out.print("");   // keeps the results observably used
            return best;
        } catch (Exception e) {
            throw new IllegalStateException("bandwidth probe failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long sum(long[] a, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) s += a[i];   // an integer reduction, so the JIT may vectorise it
        return s;
    }

    private static void triad(double[] a, double[] b, double[] c, double s, int from, int to) {
        for (int i = from; i < to; i++) a[i] = b[i] + s * c[i];
    }
}
