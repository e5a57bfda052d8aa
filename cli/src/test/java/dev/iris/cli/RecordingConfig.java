package dev.iris.cli;

import dev.iris.api.config.ComponentConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A config section that remembers every field a plugin asks it about (read, tested or listed). */
final class RecordingConfig implements ComponentConfig {
    private final ComponentConfig inner;
    private final Set<String> asked = new TreeSet<>();
    private boolean listedAll;

    RecordingConfig(ComponentConfig inner) {
        this.inner = inner;
    }

    /** The fields asked about so far. */
    Set<String> asked() {
        return Set.copyOf(asked);
    }

    /** True when the plugin read the raw values map, so any field may have been read. */
    boolean listedAll() {
        return listedAll;
    }

    private <T> T ask(String field, T value) {
        asked.add(field);
        return value;
    }

    @Override public String key() { return inner.key(); }
    @Override public String type() { return ask("type", inner.type()); }
    @Override public boolean has(String f) { asked.add(f); return inner.has(f); }
    @Override public String string(String f) { asked.add(f); return inner.string(f); }
    @Override public Optional<String> optString(String f) { asked.add(f); return inner.optString(f); }
    @Override public int integer(String f, int d) { asked.add(f); return inner.integer(f, d); }
    @Override public int integer(String f) { asked.add(f); return inner.integer(f); }
    @Override public double number(String f, double d) { asked.add(f); return inner.number(f, d); }
    @Override public boolean bool(String f, boolean d) { asked.add(f); return inner.bool(f, d); }
    @Override public List<Integer> integers(String f, List<Integer> d) { asked.add(f); return inner.integers(f, d); }
    @Override public List<String> strings(String f, List<String> d) { asked.add(f); return inner.strings(f, d); }
    @Override public Path path(String f) { asked.add(f); return inner.path(f); }
    @Override public Optional<Path> optPath(String f) { asked.add(f); return inner.optPath(f); }
    @Override public ComponentConfig section(String f) { asked.add(f); return inner.section(f); }

    @Override
    public Map<String, Object> values() {
        listedAll = true;
        return inner.values();
    }
}
