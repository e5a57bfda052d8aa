package dev.iris.testkit;

import dev.iris.api.tensor.Tensor;
import java.util.Map;

/** A vision encoder's forward pass in plain Java, written from its definition. */
@FunctionalInterface
public interface NaiveVisionEncoder {
    /**
     * Features [tokens][hiddenSize] of one image given as channel planes [3 * size * size], with
     * weights keyed by qualified name ({@code vision/...}).
     */
    double[][] features(Map<String, Tensor> weights, double[] pixels);
}
