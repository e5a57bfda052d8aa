package dev.iris.plugins.train;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;

/** Finds NaN or infinite values in float tensors (weights after an optimizer step). */
final class NonFinite {
    private NonFinite() {}

    /** The first tensor with a non-finite value, as "NAME[index] = value", or empty when all are finite. */
    static Optional<String> find(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getValue().dtype() != DType.F32) continue;
            FloatBuffer b = e.getValue().data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int i = 0, n = b.remaining(); i < n; i++) {
                float v = b.get(i);
                if (!Float.isFinite(v)) return Optional.of(e.getKey() + "[" + i + "] = " + v);
            }
        }
        return Optional.empty();
    }
}
