package dev.iris.testkit;

import dev.iris.api.config.ComponentConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Just enough of a plugin's config section for a provider test: strings, integers and paths
 * (resolved against nothing) read from a map; other kinds are not supported. Errors name the key
 * as the host's do ({@code model.vision.path: ...}).
 *
 * @param key    where the section sits, e.g. {@code model.vision}
 * @param values its fields, {@code type} among them
 */
public record MapSection(String key, Map<String, Object> values) implements ComponentConfig {

    /** A section from alternating field names and values. */
    public static MapSection of(String key, Object... fieldsAndValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) m.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        return new MapSection(key, m);
    }

    @Override public String type() { return String.valueOf(values.get("type")); }
    @Override public boolean has(String f) { return values.get(f) != null; }

    @Override
    public String string(String f) {
        if (!has(f)) throw error(f, "required field is missing");
        return values.get(f).toString();
    }

    @Override public Optional<String> optString(String f) { return has(f) ? Optional.of(string(f)) : Optional.empty(); }

    @Override
    public int integer(String f, int d) {
        if (!has(f)) return d;
        if (values.get(f) instanceof Integer i) return i;
        throw error(f, "expected an integer but got " + values.get(f));
    }

    @Override public int integer(String f) { return integer(f, 0); }
    @Override public double number(String f, double d) { throw new UnsupportedOperationException(); }
    @Override public boolean bool(String f, boolean d) { throw new UnsupportedOperationException(); }
    @Override public List<Integer> integers(String f, List<Integer> d) { throw new UnsupportedOperationException(); }
    @Override public List<String> strings(String f, List<String> d) { throw new UnsupportedOperationException(); }
    @Override public Path path(String f) { return Path.of(string(f)); }
    @Override public Optional<Path> optPath(String f) { return optString(f).map(Path::of); }
    @Override public ComponentConfig section(String f) { throw new UnsupportedOperationException(); }
}
