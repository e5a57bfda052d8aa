package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/**
 * Where a layer builder gets its weights: by the name inside the layer (e.g.
 * {@code self_attn.q_proj.weight}) and shape. A model maps those names onto its checkpoint's
 * names, usually the group it binds from plus a prefix ({@code model.layers.3.}).
 */
@FunctionalInterface
public interface Weights {

    Value get(String name, long... shape);

    /** The weights of {@code group} named {@code prefix + name}. */
    static Weights of(GraphBuilder g, String group, String prefix) {
        return (name, shape) -> g.weight(group, prefix + name, shape);
    }

    /** These weights with {@code prefix} put before every name (a sub-layer's names inside a layer). */
    default Weights under(String prefix) {
        return (name, shape) -> get(prefix + name, shape);
    }

    /**
     * {@code x W^T + b} of the weights {@code name.weight} [out, in] and, if {@code bias},
     * {@code name.bias} [out] (requested in that order, so graphs stay in a fixed order).
     */
    default Value linear(GraphBuilder g, Value x, String name, long out, long in, boolean bias) {
        Value weight = get(name + ".weight", out, in);
        return g.linear(x, weight, bias ? get(name + ".bias", out) : null);
    }
}
