package dev.iris.runtime.weights;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Trained tensors over a base checkpoint: a name in {@code top} (for example a language model
 * fine-tuned by {@code iris train}) wins over the same name in {@code base} (the model folder).
 */
public final class OverlaySource implements WeightSource, Fingerprinted {
    private final WeightSource top;
    private final WeightSource base;

    public OverlaySource(WeightSource top, WeightSource base) {
        this.top = top;
        this.base = base;
    }

    @Override
    public Set<String> names() {
        Set<String> s = new LinkedHashSet<>(base.names());
        s.addAll(top.names());
        return s;
    }

    @Override
    public Optional<Info> info(String name) {
        Optional<Info> i = top.info(name);
        return i.isPresent() ? i : base.info(name);
    }

    @Override
    public Tensor read(String name) {
        return top.info(name).isPresent() ? top.read(name) : base.read(name);
    }

    @Override
    public Map<String, String> metadata() {
        return top.metadata();
    }

    @Override
    public Optional<Fingerprinted.Id> checkpointId() {
        Optional<Fingerprinted.Id> t = Fingerprinted.of(top), b = Fingerprinted.of(base);
        // cached beside the top checkpoint (the trained one), which the base's folder may not own
        return t.isEmpty() || b.isEmpty() ? Optional.empty() : Optional.of(t.get().combine("overlay", b.get()));
    }

    @Override
    public String describe() {
        return top.describe() + " over " + base.describe();
    }

    @Override
    public String origin(String name) {
        return top.info(name).isPresent() ? top.origin(name) : base.origin(name);
    }

    @Override
    public void close() {
        try {
            top.close();
        } finally {
            base.close();
        }
    }
}
