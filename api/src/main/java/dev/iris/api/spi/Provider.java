package dev.iris.api.spi;

import dev.iris.api.config.ConfigField;
import java.util.List;
import java.util.Map;

/**
 * A named factory found with {@link java.util.ServiceLoader}. The {@link #type()} is what a
 * config's {@code type:} field names; it is stable across releases, like a Lucene codec name.
 */
public interface Provider {
    /** The stable name a config selects this provider by, e.g. {@code siglip}. */
    String type();

    /** One line for {@code iris plugins}. */
    default String description() {
        return "";
    }

    /**
     * The fields this provider reads from its config section, each with a one-line description
     * (shown by {@code iris plugins}). The host checks a section against them (and the fields the
     * host itself reads there, such as {@code type}) before the provider sees it: any other field
     * is an error naming it, so a typo like {@code factr: 4} does not go unnoticed. Declare every
     * field {@code create} reads, optional ones included.
     */
    default List<ConfigField> fields() {
        return List.of();
    }

    /**
     * Presets {@code iris init} can write for this provider: small random-weight models in the
     * provider's own checkpoint format (e.g. {@code tiny}). Empty when it has none.
     */
    default List<String> presets() {
        return List.of();
    }

    /**
     * The files (name to UTF-8 content) of a model folder for {@code preset}, without weights:
     * {@code iris init} writes them, opens the model through {@link #presets()}' provider and fills
     * every weight the model asks for with seeded random values.
     */
    default Map<String, String> presetFiles(String preset) {
        throw new IllegalArgumentException("'" + type() + "' has no preset '" + preset + "' (presets: " + presets() + ")");
    }

    /**
     * Whole models this plugin declares (for example the fusion that joins an encoder and a
     * language model): {@code iris init}, the quickstart and the benchmark build models and configs
     * from them by name. A preset whose parts' providers are not installed is not offered.
     */
    default List<ModelPreset> modelPresets() {
        return List.of();
    }

    /** The plugin's version, recorded in files it writes. */
    default String version() {
        Package p = getClass().getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
