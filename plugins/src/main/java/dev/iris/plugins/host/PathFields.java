package dev.iris.plugins.host;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A section's values with its path fields made absolute, so the section can move to another
 * config (or a {@code --set} typed elsewhere) and still name the same files. Which fields are
 * paths is what the section's owner declares ({@link ConfigField#isPath()}); nothing is guessed
 * from the value, and a path is resolved whether or not its file exists yet.
 */
public final class PathFields {
    private PathFields() {}

    /** The values of {@code section}; each field {@code declared} as a path resolved against the folder of the config that set it. */
    public static Map<String, Object> absolute(ComponentConfig section, Map<String, ConfigField> declared) {
        Map<String, Object> out = new LinkedHashMap<>();
        section.values().forEach((k, v) -> {
            ConfigField f = declared.get(k);
            out.put(k, f != null && f.isPath() && v != null ? section.path(k).toString() : v);
        });
        return out;
    }
}
