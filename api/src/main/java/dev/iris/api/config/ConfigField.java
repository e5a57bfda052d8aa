package dev.iris.api.config;

import java.util.Objects;

/**
 * A field a plugin or a host section reads from its config section, with one line for
 * {@code iris plugins}, e.g. {@code ConfigField.of("factor", "patch tokens merged into one image token (default 4)")}.
 * Fields a section holds that neither its plugin nor the host declares are errors.
 *
 * <p>The {@link Kind} says how the value is read. Only {@link Kind#PATH} fields are paths: a
 * command that moves a section to another config (for example {@code iris compare}) makes exactly
 * those absolute against the folder of the config that set them, whether or not the file exists yet.
 */
public record ConfigField(String name, String description, Kind kind) {
    /** How a field's value is read. */
    public enum Kind {
        /** Text, a choice, a number, a flag or a list: taken as written. */
        VALUE,
        /** A file or folder, relative to the folder of the config file (or {@code --set}) that set it. */
        PATH,
        /** A nested section with fields of its own. */
        SECTION
    }

    public ConfigField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(kind, "kind");
        if (name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException("a config field name is one key without dots, got '" + name + "'");
        }
    }

    /** A field read as written (text, number, flag, list). */
    public ConfigField(String name, String description) {
        this(name, description, Kind.VALUE);
    }

    public static ConfigField of(String name, String description) {
        return new ConfigField(name, description, Kind.VALUE);
    }

    /** A field that names a file or folder. */
    public static ConfigField path(String name, String description) {
        return new ConfigField(name, description, Kind.PATH);
    }

    /** A field that holds a nested section. */
    public static ConfigField section(String name, String description) {
        return new ConfigField(name, description, Kind.SECTION);
    }

    public boolean isPath() {
        return kind == Kind.PATH;
    }
}
