package dev.iris.api.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One component's section of the config (for example {@code model.vision}). Every getter that
 * fails throws {@link ConfigException} whose message starts with the full dotted key
 * ({@code model.vision.path}) and ends with the fields found in this section, e.g.
 * {@code model.vision.path: required field is missing (found: type, image_size)} or
 * {@code model.fusion.factor: expected an integer but got "four" (found: type, factor)}.
 *
 * <p>A field whose value is YAML {@code null} (written {@code weights:} or {@code ~}) counts as
 * absent.
 */
public interface ComponentConfig {
    /** Full key of this section, e.g. {@code model.fusion} (empty for the root). */
    String key();

    /** The {@code type} field. */
    String type();

    boolean has(String field);

    String string(String field);

    Optional<String> optString(String field);

    int integer(String field, int defaultValue);

    int integer(String field);

    double number(String field, double defaultValue);

    boolean bool(String field, boolean defaultValue);

    List<Integer> integers(String field, List<Integer> defaultValue);

    List<String> strings(String field, List<String> defaultValue);

    /** A path field, resolved against the folder of the config file that set it. */
    Path path(String field);

    Optional<Path> optPath(String field);

    /** A nested section. */
    ComponentConfig section(String field);

    /** The raw values of this section (read-only). */
    Map<String, Object> values();

    /** A required number. */
    default double number(String field) {
        if (!has(field)) {
            throw error(field, "required field is missing");
        }
        return number(field, 0.0);
    }

    default Optional<Integer> optInteger(String field) {
        return has(field) ? Optional.of(integer(field)) : Optional.empty();
    }

    default Optional<ComponentConfig> optSection(String field) {
        return has(field) ? Optional.of(section(field)) : Optional.empty();
    }

    /** The full dotted key of a field of this section. */
    default String keyOf(String field) {
        return key().isEmpty() ? field : key() + "." + field;
    }

    /**
     * An error about one field in the common format {@code <full key>: <problem> (found: <fields>)},
     * for checks a plugin makes itself, e.g. {@code error("image_size", "expected a multiple of
     * 16 but got 250")}.
     */
    default ConfigException error(String field, String problem) {
        List<String> found = values().entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(Map.Entry::getKey)
                .toList();
        String list = found.isEmpty() ? "nothing" : String.join(", ", found);
        return new ConfigException(keyOf(field) + ": " + problem + " (found: " + list + ")");
    }
}
