package dev.iris.api.config;

import java.util.Objects;

/**
 * A field a plugin reads from its config section, with one line for {@code iris plugins}, e.g.
 * {@code new ConfigField("factor", "patch tokens merged into one image token (default 4)")}.
 * Fields a section holds that neither its plugin nor the host declares are errors.
 */
public record ConfigField(String name, String description) {
    public ConfigField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException("a config field name is one key without dots, got '" + name + "'");
        }
    }

    public static ConfigField of(String name, String description) {
        return new ConfigField(name, description);
    }
}
