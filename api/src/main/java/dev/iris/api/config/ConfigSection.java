package dev.iris.api.config;

import java.util.List;

/**
 * A top-level section of the config that a module owns (for example the server's {@code serve}),
 * found with {@link java.util.ServiceLoader}. The host checks each section's keys against the
 * fields its owner declares, so a typo is named with a suggestion; a section whose module is not
 * on the class path is an unknown key like any other.
 */
public interface ConfigSection {
    /** The top-level key, e.g. {@code serve}. */
    String name();

    /** Every field the owner reads in the section, in the order the reference lists them. */
    List<ConfigField> fields();

    /** Where the section sits among the others when a config is written out (smaller first). */
    default int order() {
        return 100;
    }

    /** A section from its parts, for owners that need no class of their own (a ServiceLoader service does). */
    static ConfigSection of(String name, int order, List<ConfigField> fields) {
        return new Declared(name, order, List.copyOf(fields));
    }

    /** What {@link #of} returns. */
    record Declared(String name, int order, List<ConfigField> fields) implements ConfigSection {}
}
