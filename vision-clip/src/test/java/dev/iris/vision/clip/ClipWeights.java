package dev.iris.vision.clip;

import dev.iris.api.tensor.Tensor;
import dev.iris.testkit.TestWeights;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test weights for CLIP towers and their conversion to the plain-Java forward's form. */
final class ClipWeights {
    private ClipWeights() {}

    /** Norm gains around 1; weights large enough that the activation and softmax work off their linear range. */
    static final TestWeights.Init INIT = (name, shape, r) -> {
        boolean norm = name.contains("layer_norm") || name.contains("layrnorm") || name.contains("layernorm");
        if (norm && name.endsWith(".weight")) return 1 + 0.2 * r.nextGaussian();
        if (name.endsWith(".bias") || name.endsWith("class_embedding")) return 0.1 * r.nextGaussian();
        long fanIn = shape.length == 4 ? Tensor.numel(shape) / shape[0] : shape[shape.length - 1];
        return r.nextGaussian() / Math.sqrt(fanIn) * 1.5;
    };

    /** Qualified names ({@code vision/vision_model.*}) to checkpoint names and double values. */
    static Map<String, double[]> checkpoint(Map<String, Tensor> qualified) {
        Map<String, double[]> w = new LinkedHashMap<>();
        qualified.forEach((q, t) -> w.put(q.substring("vision/".length()), t.toDoubles()));
        return w;
    }
}
