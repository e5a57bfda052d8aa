package dev.iris.runtime.weights;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import dev.iris.api.weights.WeightException;

/**
 * A part's view of a checkpoint whose tensors carry other names: each name the part asks for
 * maps to one name in the file (under a prefix, in another project's naming). Only the mapped
 * tensors are visible.
 */
final class RenamedSource implements WeightSource, Fingerprinted {
    private final WeightSource inner;
    private final Map<String, String> fileNames;   // name the part asks for -> name in the file
    private final String note;

    RenamedSource(WeightSource inner, Map<String, String> fileNames, String note) {
        this.inner = inner;
        this.fileNames = Collections.unmodifiableMap(new LinkedHashMap<>(fileNames));
        this.note = note;
    }

    @Override
    public Set<String> names() {
        return fileNames.keySet();
    }

    @Override
    public Optional<Info> info(String name) {
        String f = fileNames.get(name);
        return f == null ? Optional.empty() : inner.info(f).map(i -> new Info(name, i.dtype(), i.shape()));
    }

    @Override
    public Tensor read(String name) {
        String f = fileNames.get(name);
        if (f == null) throw new WeightException("tensor " + name + " is not in " + describe());
        return inner.read(f);
    }

    @Override
    public Map<String, String> metadata() {
        return inner.metadata();
    }

    @Override
    public Optional<Fingerprinted.Id> checkpointId() {
        StringBuilder m = new StringBuilder();
        new java.util.TreeMap<>(fileNames).forEach((k, v) -> m.append(k).append('\0').append(v).append('\n'));
        return Fingerprinted.of(inner).map(id -> id.with("renamed", m.toString()));
    }

    @Override
    public String describe() {
        return inner.describe() + " (" + note + ")";
    }

    @Override
    public String origin(String name) {
        String f = fileNames.get(name);
        return f == null ? describe() : inner.origin(f) + " (" + note + ")";
    }

    @Override
    public void close() {
        inner.close();
    }
}
