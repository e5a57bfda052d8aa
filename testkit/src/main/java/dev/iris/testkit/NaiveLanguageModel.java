package dev.iris.testkit;

import dev.iris.api.tensor.Tensor;
import java.util.Map;

/** A language model's forward pass in plain Java, written from its definition. */
@FunctionalInterface
public interface NaiveLanguageModel {
    /**
     * Logits [T][vocab] of one sequence whose tokens sit at positions 0..T-1 (causal attention),
     * with weights keyed by qualified name ({@code llm/...}).
     */
    double[][] logits(Map<String, Tensor> weights, long[] ids);
}
