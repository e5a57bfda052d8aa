package dev.iris.api.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One component's section of the config (for example {@code model.vision}). Every getter that
 * fails throws {@link ConfigException} naming the full key ({@code model.vision.path}) and what
 * was found instead.
 */
public interface ComponentConfig {
    /** Full key of this section, e.g. {@code model.fusion}. */
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
}
