package dev.iris.plugins.host;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.Suggestion;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields a plugin's config section may hold: those the host reads there (listed here, for
 * every plugin of a kind) and those the plugin declares with {@link Provider#fields()}. Any
 * other field is an error naming its full key and the known fields.
 */
public final class SectionFields {
    /** What the host itself reads in each kind's section (ModelParts, the registry). */
    private static final Map<ProviderKind, List<ConfigField>> HOST = new EnumMap<>(ProviderKind.class);

    static {
        ConfigField type = ConfigField.of("type", "the plugin that reads this section");
        HOST.put(ProviderKind.VISION, List.of(type,
                ConfigField.path("path", "model folder the encoder's weights are read from")));
        HOST.put(ProviderKind.LLM, List.of(type,
                ConfigField.path("path", "model folder the language model's weights are read from"),
                ConfigField.path("weights", "trained tensors (llm.safetensors) over the folder's (absent: the folder's own)"),
                ConfigField.path("adapter", "LoRA adapter folder (PEFT's layout) applied unmerged (absent: none)")));
        HOST.put(ProviderKind.FUSION, List.of(type,
                ConfigField.path("weights", "trained fusion weights (fusion.safetensors; absent: initialised)")));
        HOST.put(ProviderKind.DATASET, List.of(type));
    }

    private SectionFields() {}

    /** The fields the host reads in every section of {@code kind}. */
    public static List<ConfigField> host(ProviderKind kind) {
        return HOST.get(kind);
    }

    /**
     * The host's fields, then the provider's, by name. For a field both read, the plugin's more
     * specific description; a field the host reads as a path stays a path.
     */
    public static Map<String, ConfigField> known(ProviderKind kind, Provider provider) {
        Map<String, ConfigField> all = new LinkedHashMap<>();
        for (ConfigField f : HOST.get(kind)) all.put(f.name(), f);
        for (ConfigField f : provider.fields()) {
            ConfigField host = all.get(f.name());
            boolean path = f.isPath() || (host != null && host.isPath());
            all.put(f.name(), new ConfigField(f.name(), f.description(), path ? ConfigField.Kind.PATH : f.kind())); // keeps the host's place
        }
        return all;
    }

    /**
     * Fails on the first field of {@code section} that neither the host nor {@code provider}
     * reads, e.g. {@code model.fusion.factr: unknown field, did you mean factor? (known: type, weights, merge, factor, hidden)}.
     */
    public static void check(ProviderKind kind, Provider provider, ComponentConfig section) {
        Map<String, ConfigField> known = known(kind, provider);
        List<String> unknown = new ArrayList<>();
        for (String field : section.values().keySet()) {
            if (!known.containsKey(field)) unknown.add(field);
        }
        if (unknown.isEmpty()) return;
        String first = unknown.get(0);
        String more = unknown.size() == 1 ? "" : " (and " + String.join(", ", unknown.subList(1, unknown.size())) + ")";
        throw new ConfigException(section.keyOf(first) + ": unknown field of " + kind.label() + " '" + provider.type() + "'"
                + Suggestion.hint(first, known.keySet()) + more + " (known: " + String.join(", ", known.keySet()) + ")");
    }
}
