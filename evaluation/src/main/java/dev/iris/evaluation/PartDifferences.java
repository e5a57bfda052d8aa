package dev.iris.evaluation;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PathFields;
import dev.iris.plugins.host.PluginRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which parts of the model two configs give differently: the vision encoder, the language model,
 * the fusion, field by field (type, folder, settings). Path fields are compared where they point,
 * not as written, so {@code ../models/x} in one folder and {@code models/x} in another are equal.
 *
 * @param byPart for each part that differs ({@code vision}, {@code llm}, {@code fusion}, in that
 *               order), one line per field: {@code type: A siglip, B clip}
 * @param labelA what names side A in tables and charts: the types of the parts that differ
 * @param labelB the same for side B
 */
public record PartDifferences(Map<String, List<String>> byPart, String labelA, String labelB) {
    public static final List<ProviderKind> PARTS = List.of(ProviderKind.VISION, ProviderKind.LLM, ProviderKind.FUSION);

    public PartDifferences {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        byPart.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        byPart = Collections.unmodifiableMap(copy);
    }

    /** The parts that differ, e.g. {@code [vision]} for an encoder swap. */
    public List<String> parts() {
        return List.copyOf(byPart.keySet());
    }

    /** Whether the language models differ, so each side counts loss in tokens of its own tokenizer. */
    public boolean llmDiffers() {
        return byPart.containsKey(part(ProviderKind.LLM));
    }

    static String part(ProviderKind kind) {
        return kind.configKey().substring(kind.configKey().indexOf('.') + 1);
    }

    public static PartDifferences of(IrisConfig a, IrisConfig b, PluginRegistry registry) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> labelA = new ArrayList<>(), labelB = new ArrayList<>();
        for (ProviderKind kind : PARTS) {
            ComponentConfig sa = a.section(kind.configKey()), sb = b.section(kind.configKey());
            Map<String, Object> va = absolute(sa, kind, registry), vb = absolute(sb, kind, registry);
            Set<String> fields = new LinkedHashSet<>(va.keySet());
            fields.addAll(vb.keySet());
            List<String> lines = new ArrayList<>(), settingsA = new ArrayList<>(), settingsB = new ArrayList<>();
            for (String f : fields) {
                Object x = va.get(f), y = vb.get(f);
                if (same(x, y)) continue;
                lines.add(f + ": A " + show(x) + ", B " + show(y));
                if (!isPath(x) && !isPath(y)) {
                    settingsA.add(f + "=" + show(x));
                    settingsB.add(f + "=" + show(y));
                }
            }
            if (lines.isEmpty()) continue;
            out.put(part(kind), lines);
            labelA.add(label(sa.type(), sb.type(), settingsA, "A"));
            labelB.add(label(sb.type(), sa.type(), settingsB, "B"));
        }
        if (out.isEmpty()) {
            // nothing to tell apart but the training each side runs: name them by their fusion, as always
            return new PartDifferences(out, a.fusion().type(), b.fusion().type());
        }
        return new PartDifferences(out, String.join(" + ", labelA), String.join(" + ", labelB));
    }

    /** A part's type; when both sides have that type, with the settings that tell them apart (or which side's files). */
    private static String label(String type, String otherType, List<String> settings, String side) {
        if (!type.equals(otherType)) return type;
        return settings.isEmpty() ? type + " (" + side + "'s files)" : type + " " + String.join(" ", settings);
    }

    private static boolean isPath(Object v) {
        return v instanceof String s && (s.contains("/") || s.contains("\\"));
    }

    private static Map<String, Object> absolute(ComponentConfig section, ProviderKind kind, PluginRegistry registry) {
        try {
            return PathFields.absolute(section, registry.fields(kind, section));
        } catch (RuntimeException e) {
            return section.values();   // an unknown type is reported by the config check; here it differs as written
        }
    }

    private static boolean same(Object x, Object y) {
        if (x instanceof Number n && y instanceof Number m) return n.doubleValue() == m.doubleValue();
        return Objects.equals(x, y);
    }

    private static String show(Object v) {
        return v == null ? "unset" : String.valueOf(v);
    }
}
