package dev.iris.runtime.weights;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Tensors held in memory (freshly initialised parameters, tests, picked subsets of a checkpoint). */
public final class MapWeightSource implements WeightSource {
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final String description;

    public MapWeightSource(Map<String, Tensor> tensors, Map<String, String> metadata, String description) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.metadata = Map.copyOf(metadata);
        this.description = description;
    }

    public MapWeightSource(Map<String, Tensor> tensors) {
        this(tensors, Map.of(), "in-memory weights");
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<Info> info(String name) {
        Tensor t = tensors.get(name);
        return t == null ? Optional.empty() : Optional.of(new Info(name, t.dtype(), t.shape()));
    }

    @Override
    public Tensor read(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new WeightException("tensor " + name + " is not in " + description);
        return t;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String describe() {
        return description;
    }
}
