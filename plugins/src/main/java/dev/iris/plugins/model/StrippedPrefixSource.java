package dev.iris.plugins.model;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A view of a checkpoint whose tensors sit under a prefix (a PyTorch training checkpoint that
 * also holds {@code vision_model.*} and {@code llm_model.*}, with the projector under, say,
 * {@code projector.linear1.weight}): names are looked up with the prefix added.
 */
final class StrippedPrefixSource implements WeightSource {
    private final WeightSource inner;
    private final String prefix;

    private StrippedPrefixSource(WeightSource inner, String prefix) {
        this.inner = inner;
        this.prefix = prefix;
    }

    /**
     * The source as is when it holds {@code anchor}; else a view under the one prefix P for which
     * it holds {@code P + anchor}. Several candidate prefixes are an error naming them.
     */
    static WeightSource forAnchor(WeightSource source, String anchor) {
        if (source.info(anchor).isPresent()) return source;
        Set<String> prefixes = new LinkedHashSet<>();
        for (String n : source.names()) {
            if (n.endsWith("." + anchor)) prefixes.add(n.substring(0, n.length() - anchor.length()));
        }
        if (prefixes.size() > 1) {
            throw new dev.iris.api.weights.WeightException(source.describe() + ": several tensors end in " + anchor + " (prefixes " + prefixes
                    + "); keep only the fusion module's tensors in the file");
        }
        return prefixes.isEmpty() ? source : new StrippedPrefixSource(source, prefixes.iterator().next());
    }

    @Override
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        for (String n : inner.names()) if (n.startsWith(prefix)) out.add(n.substring(prefix.length()));
        return out;
    }

    @Override
    public Optional<Info> info(String name) {
        return inner.info(prefix + name).map(i -> new Info(name, i.dtype(), i.shape()));
    }

    @Override
    public Tensor read(String name) {
        return inner.read(prefix + name);
    }

    @Override
    public Map<String, String> metadata() {
        return inner.metadata();
    }

    @Override
    public String describe() {
        return inner.describe() + " (tensors under " + prefix + ")";
    }

    @Override
    public void close() {
        inner.close();
    }
}
