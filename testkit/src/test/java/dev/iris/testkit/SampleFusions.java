package dev.iris.testkit;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.Tensor;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * Small fusions for checking the contract itself: a right one of each kind, and ones broken in
 * one way each (their graph and their plain-Java forward disagree, or a closed gate leaks).
 */
final class SampleFusions {
    static final int P = 4, DV = 3, DT = 5;

    private SampleFusions() {}

    /** Architecture A: one linear layer per patch token, optionally followed by {@code activation} (which the naive forward ignores). */
    static final class Linear implements Fusion {
        private final boolean siluInGraph;

        Linear(boolean siluInGraph) {
            this.siluInGraph = siluInGraph;
        }

        @Override
        public boolean placesTokensInPrompt() {
            return true;
        }

        @Override
        public boolean readsImageEveryStep() {
            return false;
        }

        @Override
        public int imageTokens() {
            return P;
        }

        @Override
        public Value projectImage(GraphBuilder g, Value features) {
            Value y = g.linear(features, g.weight("fusion", "proj.weight", Init.normal(0.1), DT, DV), g.weight("fusion", "proj.bias", Init.zeros(), DT));
            return siluInGraph ? g.silu(y) : y;
        }

        @Override
        public Value mergeEmbeddings(GraphBuilder g, Value text, Value image, Value spliceIndex) {
            return g.gather(g.concat(0, g.reshape(text, -1, DT), g.reshape(image, -1, DT)), spliceIndex);
        }
    }

    /** Linear's plain-Java forward: no activation. */
    static final NaiveFusion LINEAR_NAIVE = new NaiveFusion() {
        @Override
        public double[][] projectImage(Map<String, Tensor> w, double[][] features) {
            return project(w, features);
        }
    };

    static double[][] project(Map<String, Tensor> w, double[][] features) {
        double[] wt = w.get("fusion/proj.weight").toDoubles(), b = w.get("fusion/proj.bias").toDoubles();
        double[][] out = new double[features.length][DT];
        for (int p = 0; p < features.length; p++) for (int o = 0; o < DT; o++) {
            double s = b[o];
            for (int i = 0; i < DV; i++) s += wt[o * DV + i] * features[p][i];
            out[p][o] = s;
        }
        return out;
    }

    /**
     * Architecture B: after layer 0, adds {@code gate(g) * mean over patches of the projected image}.
     * With tanh the gate closes at 0; with sigmoid it lets half through (the leak).
     */
    static final class Gated implements Fusion {
        private final boolean leaky;

        Gated(boolean leaky) {
            this.leaky = leaky;
        }

        @Override
        public boolean placesTokensInPrompt() {
            return false;
        }

        @Override
        public boolean readsImageEveryStep() {
            return true;
        }

        @Override
        public int imageTokens() {
            return 0;
        }

        @Override
        public Value projectImage(GraphBuilder g, Value features) {
            return g.linear(features, g.weight("fusion", "proj.weight", Init.normal(0.1), DT, DV), g.weight("fusion", "proj.bias", Init.zeros(), DT));
        }

        @Override
        public LanguageModel.LayerHook layerHook(GraphBuilder g, Value image) {
            return (gb, layer, x) -> {
                if (layer != 0) return x;
                Value w = gb.weight("fusion", "gate", Init.zeros(), 1);
                Value gate = leaky ? gb.sigmoid(w) : gb.tanh(w);
                return gb.add(x, gb.mul(gate, gb.mean(image, true, 1)));
            };
        }
    }

    static NaiveFusion gatedNaive(boolean leaky) {
        DoubleUnaryOperator gate = leaky ? v -> 1 / (1 + Math.exp(-v)) : Math::tanh;
        return new NaiveFusion() {
            @Override
            public double[][] afterLayer(Map<String, Tensor> w, int layer, double[][] hidden, double[][] features) {
                double[][] image = project(w, features);
                double g = gate.applyAsDouble(w.get("fusion/gate").toDoubles()[0]);
                double[][] out = new double[hidden.length][];
                for (int t = 0; t < hidden.length; t++) {
                    out[t] = hidden[t].clone();
                    for (int o = 0; o < DT; o++) {
                        double m = 0;
                        for (double[] row : image) m += row[o] / image.length;
                        out[t][o] += g * m;
                    }
                }
                return out;
            }
        };
    }
}
