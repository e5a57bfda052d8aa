package dev.iris.testkit;

import dev.iris.api.tensor.Tensor;
import java.util.Map;

/**
 * A fusion's forward pass in plain Java, written from its definition, one image (and one
 * sequence) at a time. Weights are keyed by qualified name ({@code fusion/...}). A fusion
 * implements the half its declared abilities use.
 */
public interface NaiveFusion {
    /** Image embeddings [imageTokens][textWidth] from one image's features [visionTokens][visionWidth]. */
    default double[][] projectImage(Map<String, Tensor> weights, double[][] features) {
        throw new UnsupportedOperationException("this fusion places no image tokens in the prompt");
    }

    /** Hidden states [T][textWidth] after the fusion's work following decoder layer {@code layer}. */
    default double[][] afterLayer(Map<String, Tensor> weights, int layer, double[][] hidden, double[][] features) {
        throw new UnsupportedOperationException("this fusion adds no work between decoder layers");
    }
}
