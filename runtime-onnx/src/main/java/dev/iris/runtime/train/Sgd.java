package dev.iris.runtime.train;

import dev.iris.api.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;

/** Plain stochastic gradient descent: {@code p -= lr * (g + wd * p)}. */
public final class Sgd implements Optimizer {
    private final double weightDecay;
    private long t;

    public Sgd(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads, double lr) {
        t++;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            FloatBuffer p = Params.floats(e.getKey(), e.getValue());
            FloatBuffer g = Params.floats(e.getKey(), Params.grad(grads, e.getKey()));
            for (int i = 0, n = p.remaining(); i < n; i++) {
                p.put(i, (float) (p.get(i) - lr * (g.get(i) + weightDecay * p.get(i))));
            }
        }
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, Tensor> state() {
        return Map.of();
    }

    @Override
    public void load(Map<String, Tensor> state, long steps) {
        if (!state.isEmpty()) throw new IllegalArgumentException("SGD keeps no state, got " + state.keySet());
        this.t = steps;
    }
}
