package dev.iris.plugins.config;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.config.ConfigSection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The top-level sections a config may hold: the host's own and those other modules declare as
 * {@link ConfigSection} services. A module that is not on the class path leaves its section
 * unknown, so a config that sets it fails with the usual unknown-key message.
 */
public final class ConfigSections {
    private static final ConfigSections INSTALLED = discover(ConfigSections.class.getClassLoader());

    private final Map<String, ConfigSection> byName;

    private ConfigSections(List<ConfigSection> sections) {
        Map<String, ConfigSection> m = new LinkedHashMap<>();
        List<ConfigSection> sorted = new ArrayList<>(sections);
        sorted.sort(Comparator.comparingInt(ConfigSection::order)); // stable: ties keep discovery order
        for (ConfigSection s : sorted) {
            ConfigSection was = m.putIfAbsent(s.name(), s);
            if (was != null) {
                throw new IrisException("two modules declare the config section '" + s.name() + "': "
                        + was.getClass().getName() + " and " + s.getClass().getName());
            }
        }
        byName = Collections.unmodifiableMap(m);
    }

    /** The host's sections and those found on the class path of Iris. */
    public static ConfigSections installed() {
        return INSTALLED;
    }

    /** The host's sections and those {@code loader} finds. */
    public static ConfigSections discover(ClassLoader loader) {
        List<ConfigSection> all = new ArrayList<>(HostSections.all());
        try {
            for (ConfigSection s : ServiceLoader.load(ConfigSection.class, loader)) all.add(s);
        } catch (ServiceConfigurationError e) {
            throw new IrisException("cannot load a config section: " + e.getMessage(), e);
        }
        return new ConfigSections(all);
    }

    /** Exactly the given sections, e.g. for a test of a module that is absent. */
    public static ConfigSections of(List<ConfigSection> sections) {
        return new ConfigSections(sections);
    }

    /** Section names in the order a config is written. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public Optional<ConfigSection> section(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The fields of section {@code name} by field name (empty when the section is unknown). */
    public Map<String, ConfigField> fields(String name) {
        Map<String, ConfigField> out = new LinkedHashMap<>();
        section(name).ifPresent(s -> s.fields().forEach(f -> out.put(f.name(), f)));
        return out;
    }

    /** Section name to its field names, in order. */
    public Map<String, List<String>> knownKeys() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        byName.forEach((n, s) -> out.put(n, s.fields().stream().map(ConfigField::name).toList()));
        return Collections.unmodifiableMap(out);
    }
}
