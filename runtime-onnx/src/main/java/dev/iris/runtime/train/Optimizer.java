package dev.iris.runtime.train;

import dev.iris.api.tensor.Tensor;
import java.util.Map;

/**
 * Updates parameters in place from their gradients. Parameters and gradients are float32
 * tensors keyed by qualified weight name; the optimizer keeps its own per-parameter state,
 * which it exposes for checkpoints.
 */
public interface Optimizer {

    /** One update with learning rate {@code lr}. */
    void step(Map<String, Tensor> params, Map<String, Tensor> grads, double lr);

    /** Steps taken so far. */
    long steps();

    /** State tensors to save with a checkpoint (names are stable). */
    Map<String, Tensor> state();

    /** Restores what {@link #state()} returned. */
    void load(Map<String, Tensor> state, long steps);
}
