package dev.iris.runtime.train;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code AdamW}:
 * {@code p -= lr*wd*p}, then the bias-corrected Adam step.
 */
public final class AdamW implements Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final Map<String, float[]> m = new LinkedHashMap<>();
    private final Map<String, float[]> v = new LinkedHashMap<>();
    private long t;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("AdamW betas must be in [0, 1): " + beta1 + ", " + beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8. */
    public static AdamW withWeightDecay(double weightDecay) {
        return new AdamW(0.9, 0.999, 1e-8, weightDecay);
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads, double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        double stepSize = lr / bc1;
        double sqrtBc2 = Math.sqrt(bc2);
        float decay = (float) (1 - lr * weightDecay);
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            FloatBuffer p = Params.floats(e.getKey(), e.getValue());
            FloatBuffer g = Params.floats(e.getKey(), Params.grad(grads, e.getKey()));
            int n = p.remaining();
            float[] mi = m.computeIfAbsent(e.getKey(), k -> new float[n]);
            float[] vi = v.computeIfAbsent(e.getKey(), k -> new float[n]);
            for (int i = 0; i < n; i++) {
                float gi = g.get(i);
                mi[i] = (float) (beta1 * mi[i] + (1 - beta1) * gi);
                vi[i] = (float) (beta2 * vi[i] + (1 - beta2) * gi * gi);
                double denom = Math.sqrt(vi[i]) / sqrtBc2 + eps;
                p.put(i, (float) (p.get(i) * decay - stepSize * mi[i] / denom));
            }
        }
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("exp_avg/" + k, Tensor.ofFloats(a, a.length)));
        v.forEach((k, a) -> s.put("exp_avg_sq/" + k, Tensor.ofFloats(a, a.length)));
        return s;
    }

    @Override
    public void load(Map<String, Tensor> state, long steps) {
        m.clear();
        v.clear();
        state.forEach((k, tensor) -> {
            if (tensor.dtype() != DType.F32) throw new IllegalArgumentException("optimizer state " + k + " must be F32");
            if (k.startsWith("exp_avg/")) m.put(k.substring(8), tensor.toFloats());
            else if (k.startsWith("exp_avg_sq/")) v.put(k.substring(11), tensor.toFloats());
            else throw new IllegalArgumentException("unknown AdamW state tensor " + k);
        });
        this.t = steps;
    }
}
