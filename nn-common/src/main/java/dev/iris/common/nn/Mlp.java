package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/** The position-wise feed-forward part of a transformer layer: [B, T, D] to [B, T, D]. */
public sealed interface Mlp permits SwiGluMlp, TwoLayerMlp {
    Value apply(GraphBuilder g, Weights w, Value x);
}
