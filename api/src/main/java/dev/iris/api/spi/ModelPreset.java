package dev.iris.api.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole vision-language model a plugin declares by name (for example {@code tiny}): which
 * provider makes each part, which of that provider's {@link Provider#presets()} fills the part's
 * folder, and the other fields of the part's config section. {@code iris init}, the quickstart and
 * the benchmark build their models and configs from these, so the host names no plugin itself.
 *
 * @param name        what {@code --preset} selects
 * @param description one line for {@code iris init}
 */
public record ModelPreset(String name, String description, Part vision, Part llm, Part fusion) {
    /** The kinds of the parts, in the order a config lists them. */
    public static final List<ProviderKind> PARTS_IN_ORDER = List.of(ProviderKind.VISION, ProviderKind.LLM, ProviderKind.FUSION);

    /**
     * One part.
     *
     * @param type     the provider's {@link Provider#type()}
     * @param preset   the provider's preset written into the part's folder; empty for a part without
     *                 files of its own (a fusion, whose weights start initialised)
     * @param settings the other fields of the part's config section, e.g. {@code factor: 4}, in the
     *                 order the written config lists them
     */
    public record Part(String type, Optional<String> preset, Map<String, Object> settings) {
        public Part {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(preset, "preset");
            settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        }

        /** A part whose folder the provider's {@code preset} fills. */
        public static Part of(String type, String preset) {
            return new Part(type, Optional.of(preset), Map.of());
        }

        /** A part with no folder, only settings. */
        public static Part of(String type, Map<String, Object> settings) {
            return new Part(type, Optional.empty(), settings);
        }
    }

    public ModelPreset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(vision, "vision");
        Objects.requireNonNull(llm, "llm");
        Objects.requireNonNull(fusion, "fusion");
        if (vision.preset().isEmpty() || llm.preset().isEmpty()) {
            throw new IllegalArgumentException("model preset '" + name + "': the vision and llm parts name a preset of their provider");
        }
    }

    /** The part of {@code kind} (vision, llm or fusion). */
    public Part part(ProviderKind kind) {
        return switch (kind) {
            case VISION -> vision;
            case LLM -> llm;
            case FUSION -> fusion;
            default -> throw new IllegalArgumentException("a model preset has no " + kind.label() + " part");
        };
    }
}
