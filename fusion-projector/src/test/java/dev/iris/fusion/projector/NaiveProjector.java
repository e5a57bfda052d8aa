package dev.iris.fusion.projector;

import dev.iris.api.tensor.Tensor;
import dev.iris.testkit.NaiveFusion;
import java.util.Map;

/** The projector in plain Java: merge groups of patch tokens, linear, SiLU, linear. */
record NaiveProjector(ProjectorFusion.Merge merge, int factor, int patches, int visionWidth, int hidden, int textWidth) implements NaiveFusion {

    /** Index of the patch token that lands at slot {@code j} of merged token {@code m}. */
    int sourceToken(int m, int j) {
        if (merge == ProjectorFusion.Merge.SEQUENTIAL) return m * factor + j;
        int side = (int) Math.round(Math.sqrt(patches)), k = (int) Math.round(Math.sqrt(factor)), blocks = side / k;
        int br = m / blocks, bc = m % blocks, r = j / k, c = j % k;
        return (br * k + r) * side + bc * k + c;
    }

    @Override
    public double[][] projectImage(Map<String, Tensor> weights, double[][] features) {
        double[] w1 = weights.get("fusion/linear1.weight").toDoubles(), b1 = weights.get("fusion/linear1.bias").toDoubles();
        double[] w2 = weights.get("fusion/linear2.weight").toDoubles(), b2 = weights.get("fusion/linear2.bias").toDoubles();
        int n = patches / factor, in = factor * visionWidth;
        double[][] out = new double[n][textWidth];
        for (int m = 0; m < n; m++) {
            double[] x = new double[in];
            for (int j = 0; j < factor; j++) System.arraycopy(features[sourceToken(m, j)], 0, x, j * visionWidth, visionWidth);
            double[] h = new double[hidden];
            for (int o = 0; o < hidden; o++) {
                double s = b1[o];
                for (int i = 0; i < in; i++) s += w1[o * in + i] * x[i];
                h[o] = s / (1 + Math.exp(-s));
            }
            for (int o = 0; o < textWidth; o++) {
                double s = b2[o];
                for (int i = 0; i < hidden; i++) s += w2[o * hidden + i] * h[i];
                out[m][o] = s;
            }
        }
        return out;
    }
}
