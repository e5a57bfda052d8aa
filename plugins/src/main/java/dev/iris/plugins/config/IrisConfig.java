package dev.iris.plugins.config;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole Iris config: {@code model.vision / llm / fusion} (plugin sections, selected by their
 * {@code type}), {@code runtime}, {@code generate}, {@code train} and the sections other modules
 * declare ({@link ConfigSections}). The keys of those sections are checked when the config is loaded, so a typo fails early instead of being ignored; the
 * fields of plugin sections ({@code model.*}, {@code train.dataset}, {@code train.eval_dataset})
 * are checked against what their plugin declares by {@code PluginRegistry.checkConfig}.
 */
public final class IrisConfig {
    /**
     * The keys of each top-level section, as their owners declare them ({@link ConfigSections}):
     * the host's {@code model}, {@code runtime}, {@code generate}, {@code train}, then the sections
     * of the modules on the class path (e.g. {@code serve}, {@code report}).
     */
    public static Map<String, List<String>> knownKeys() {
        return ConfigSections.installed().knownKeys();
    }

    private final SectionConfig root;

    IrisConfig(SectionConfig root) {
        this.root = root;
    }

    /** A config with no values, whose relative paths resolve against {@code baseDir}: commands build theirs from it with {@link #edit()}. */
    public static IrisConfig empty(String sourceName, Path baseDir) {
        return new IrisConfig(new SectionConfig("", new LinkedHashMap<>(),
                new ConfigOrigin(sourceName, baseDir.toAbsolutePath().normalize(), Map.of(), Map.of())));
    }

    /** Loads {@code file} and applies {@code --set} overrides, resolving theirs against the current directory. */
    public static IrisConfig load(Path file, List<String> overrides) {
        return new ConfigLoader().load(file, overrides);
    }

    /**
     * This config with more overrides applied (each {@code key=value}, relative paths against the
     * current directory), as if they had been given with {@code --set}. This config is unchanged.
     */
    public IrisConfig with(List<String> overrides) {
        return with(overrides, Path.of(""));
    }

    /**
     * This config with more overrides applied as if they had been typed with {@code --set} in the
     * folder {@code workingDir}: their relative paths resolve against it. Earlier overrides keep
     * their own folders. Unknown keys of the sections Iris owns are errors, as on the command line.
     */
    public IrisConfig with(List<String> overrides, Path workingDir) {
        Path dir = workingDir.toAbsolutePath().normalize();
        Map<String, Object> copy = deepCopy(root.values());
        ConfigOrigin was = root.origin();
        Map<String, String> overridden = new LinkedHashMap<>(was.overridden());
        Map<String, Path> dirs = new LinkedHashMap<>(was.overrideDirs());
        for (String text : overrides) {
            ConfigOverride o = ConfigOverride.parse(text);
            if (o.value() != null) {
                checkKnownKeys(ConfigLoader.nested(o), "--set " + o.text());
            }
            ConfigLoader.apply(copy, o);
            ConfigLoader.record(o, dir, overridden, dirs);
        }
        ConfigOrigin origin = new ConfigOrigin(was.sourceName(), was.fileDir(), overridden, dirs);
        return new IrisConfig(new SectionConfig("", copy, origin));
    }

    /** One {@code --set} applied to this config: as typed, and the folder its relative paths resolve against. */
    public record AppliedOverride(String text, Path workingDir) {}

    /** The {@code --set} overrides applied to the file, in the order they were given. */
    public List<AppliedOverride> overrides() {
        ConfigOrigin o = root.origin();
        List<AppliedOverride> out = new ArrayList<>();
        o.overridden().forEach((key, text) -> out.add(new AppliedOverride(text, o.overrideDirs().get(key))));
        return out;
    }

    /** The folder relative paths written in the config file resolve against (the file's folder). */
    public Path baseDir() {
        return root.origin().fileDir();
    }

    /** Typed changes to a copy of this config (this one is unchanged), e.g. {@code edit().trainSteps(200).done()}. */
    public ConfigEdit edit() {
        return new ConfigEdit(deepCopy(root.values()), root.origin());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub)
                : v instanceof List<?> l ? new ArrayList<>(l) : v));
        return out;
    }

    /** The whole tree as a section with the empty key. */
    public ComponentConfig root() {
        return root;
    }

    /** Any section by its dotted key, e.g. {@code train.dataset}. */
    public ComponentConfig section(String dottedKey) {
        SectionConfig s = root;
        for (String part : dottedKey.split("\\.")) {
            s = s.section(part);
        }
        return s;
    }

    public ComponentConfig vision() {
        return model().section("vision");
    }

    public ComponentConfig llm() {
        return model().section("llm");
    }

    public ComponentConfig fusion() {
        return model().section("fusion");
    }

    public RuntimeConfig runtime() {
        return RuntimeConfig.from(optional("runtime"));
    }

    public GenerateConfig generate() {
        return GenerateConfig.from(optional("generate"));
    }

    public boolean hasTrain() {
        return root.has("train");
    }

    public TrainConfig train() {
        return TrainConfig.from(root.section("train"));
    }

    /** The file (as the user named it) this config came from. */
    public String source() {
        return root.origin().sourceName();
    }

    /** The effective config (file + overrides) as YAML, e.g. to record next to a run's results. */
    public String toYaml() {
        return YamlReader.write(root.values());
    }

    /**
     * The effective config as YAML with the given sections filled: each field keeps the value the
     * config gives it and otherwise takes the one from {@code filled} (the section's values with
     * defaults, e.g. {@link GenerateConfig#values()}), in the order of {@code filled}.
     */
    public String toYamlWith(Map<String, Map<String, Object>> filled) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String section : knownKeys().keySet()) {
            Object given = root.values().get(section);
            Map<String, Object> defaults = filled.get(section);
            if (defaults == null) {
                if (given != null) out.put(section, given);
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = given instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            Map<String, Object> merged = new LinkedHashMap<>();
            defaults.forEach((k, v) -> merged.put(k, raw.containsKey(k) ? raw.get(k) : v));
            raw.forEach(merged::putIfAbsent);
            out.put(section, merged);
        }
        return YamlReader.write(out);
    }

    private SectionConfig model() {
        return root.section("model");
    }

    /** A section Iris has defaults for: absent is the same as empty. */
    private SectionConfig optional(String name) {
        return root.has(name) ? root.section(name) : new SectionConfig(name, Map.of(), root.origin());
    }

    /**
     * Fails on keys Iris does not know at the top level and inside the sections it owns.
     * {@code source} names where {@code tree} came from (the file, or one {@code --set}).
     */
    static void checkKnownKeys(Map<String, Object> tree, String source) {
        checkKnownKeys(tree, source, knownKeys());
    }

    /** As {@link #checkKnownKeys(Map, String)} against the given sections (a test leaves a module out). */
    static void checkKnownKeys(Map<String, Object> tree, String source, Map<String, List<String>> known) {
        List<String> unknownTop = new ArrayList<>();
        for (String k : tree.keySet()) {
            if (!known.containsKey(k)) {
                unknownTop.add(k);
            }
        }
        if (!unknownTop.isEmpty()) {
            throw new ConfigException(source + ": unknown top-level key" + (unknownTop.size() > 1 ? "s " : " ")
                    + withHints(unknownTop, 0, known.keySet()) + " (known: " + String.join(", ", known.keySet()) + ")");
        }
        for (Map.Entry<String, List<String>> e : known.entrySet()) {
            String section = e.getKey();
            if (!(tree.get(section) instanceof Map<?, ?> values)) {
                continue; // absent, or not a section: the typed accessor reports that with the key
            }
            List<String> unknown = new ArrayList<>();
            for (Object k : values.keySet()) {
                if (!e.getValue().contains(String.valueOf(k))) {
                    unknown.add(section + "." + k);
                }
            }
            if (!unknown.isEmpty()) {
                throw new ConfigException(source + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                        + withHints(unknown, section.length() + 1, e.getValue()) + " (known in " + section + ": " + String.join(", ", e.getValue()) + ")");
            }
        }
    }

    /**
     * The keys quoted, with a hint: {@code 'generate.temprature', did you mean temperature?} for
     * one, {@code 'modle' (did you mean model?), 'trian' (did you mean train?)} for several.
     * {@code skip} characters of each key (its section prefix) are left out when comparing.
     */
    private static String withHints(List<String> keys, int skip, Collection<String> known) {
        if (keys.size() == 1) {
            return "'" + keys.get(0) + "'" + Suggestion.hint(keys.get(0).substring(skip), known);
        }
        return String.join(", ", keys.stream().map(k -> "'" + k + "'" + Suggestion.closest(k.substring(skip), known)
                .map(c -> " (did you mean " + c + "?)").orElse("")).toList());
    }

    @Override
    public String toString() {
        return "IrisConfig[" + source() + "]";
    }
}
