package dev.iris.plugins.config;

import dev.iris.api.config.ConfigException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One {@code --set key=value}. The key is dotted ({@code model.fusion.weights}); the value is
 * read as a YAML scalar or flow collection, so {@code 0} is a number, {@code true} a boolean,
 * {@code [3,7]} a list and {@code {type: a}} a section. Anything that does not read as YAML (or
 * reads as a mapping without braces, like {@code a: b}) is kept as the text typed. {@code null}
 * or {@code ~} removes the key; an empty value is the empty text.
 *
 * @param text the override as typed, for messages
 * @param path the key split at dots
 * @param value the parsed value, {@code null} to remove the key
 */
public record ConfigOverride(String text, List<String> path, Object value) {

    public ConfigOverride {
        path = List.copyOf(path);
    }

    public String key() {
        return String.join(".", path);
    }

    /** Parses {@code key=value}. */
    public static ConfigOverride parse(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq < 0) {
            throw new ConfigException("--set " + assignment + ": expected key=value, e.g. generate.temperature=0");
        }
        String key = assignment.substring(0, eq).strip();
        String raw = assignment.substring(eq + 1);
        List<String> path = Arrays.asList(key.split("\\.", -1));
        if (key.isEmpty() || path.stream().anyMatch(String::isBlank)) {
            throw new ConfigException("--set " + assignment + ": the key '" + key + "' has an empty part");
        }
        return new ConfigOverride(assignment, path.stream().map(String::strip).toList(), value(assignment, raw));
    }

    private static Object value(String assignment, String raw) {
        String s = raw.strip();
        if (s.isEmpty()) {
            return "";
        }
        boolean collection = s.startsWith("[") || s.startsWith("{");
        try {
            Object v = YamlReader.readValue(s);
            if (v instanceof Map && !collection) {
                return raw; // "You are: helpful" is text, not a mapping
            }
            return v;
        } catch (ConfigException e) {
            if (collection) {
                throw new ConfigException("--set " + assignment + ": the value is not a valid YAML list or section: "
                        + e.getMessage());
            }
            return raw;
        }
    }
}
