package dev.iris.runtime.train;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/** Helpers for float32 parameter and gradient maps. */
public final class Params {
    private Params() {}

    static FloatBuffer floats(String name, Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(name + ": optimizers work on F32 tensors, got " + t.dtype());
        return t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    static Tensor grad(Map<String, Tensor> grads, String name) {
        Tensor g = grads.get(name);
        if (g == null) throw new IllegalArgumentException("no gradient for parameter " + name + " (gradients: " + grads.keySet() + ")");
        return g;
    }

    /** The global L2 norm of all gradients. */
    public static double globalNorm(Map<String, Tensor> grads) {
        double sum = 0;
        for (Map.Entry<String, Tensor> e : grads.entrySet()) {
            FloatBuffer g = floats(e.getKey(), e.getValue());
            for (int i = 0, n = g.remaining(); i < n; i++) sum += (double) g.get(i) * g.get(i);
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales gradients in place so their global norm is at most {@code maxNorm} (as PyTorch's
     * {@code clip_grad_norm_}); returns the norm before clipping. {@code maxNorm <= 0} disables it.
     */
    public static double clipGlobalNorm(Map<String, Tensor> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Map.Entry<String, Tensor> e : grads.entrySet()) {
                FloatBuffer g = floats(e.getKey(), e.getValue());
                for (int i = 0, n = g.remaining(); i < n; i++) g.put(i, g.get(i) * scale);
            }
        }
        return norm;
    }
}
