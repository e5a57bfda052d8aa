package dev.iris.testkit;

import dev.iris.api.tensor.Tensor;

/** Slicing flat tensors into per-item matrices and measuring differences. */
final class Matrices {
    private Matrices() {}

    /** Item {@code b} of a [B, rows, cols] tensor as rows. */
    static double[][] item(Tensor t, int b) {
        long[] s = t.shape();
        int rows = (int) s[s.length - 2], cols = (int) s[s.length - 1];
        double[] all = t.toDoubles();
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) System.arraycopy(all, (b * rows + i) * cols, out[i], 0, cols);
        return out;
    }

    static double maxDiff(double[][] a, double[][] b) {
        if (a.length != b.length) throw new AssertionError("rows differ: " + a.length + " and " + b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) throw new AssertionError("row " + i + " widths differ: " + a[i].length + " and " + b[i].length);
            for (int j = 0; j < a[i].length; j++) max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
        }
        return max;
    }
}
