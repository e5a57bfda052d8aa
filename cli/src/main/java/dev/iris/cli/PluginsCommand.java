package dev.iris.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.ModelPreset;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.host.SectionFields;
import dev.iris.plugins.model.ModelInit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Lists what discovery found, grouped by kind. */
@Command(name = "plugins", description = "List the plugins found on the class path, by kind, with the fields each one's config section may hold "
        + "and the presets `iris init` writes for it, then the model presets (whole models) the plugins declare.")
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Override
    public Integer call() throws JsonProcessingException {
        PluginRegistry registry = parent.registry();
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            JsonOutput.print(out, asMap(registry));
        } else {
            printText(registry, out);
        }
        out.flush();
        return 0;
    }

    /** {"vision": [{type, class, version, description, fields: [{name, description}]}, ...], "llm": [...], ..., "guice_modules": [...]} */
    static Map<String, Object> asMap(PluginRegistry registry) {
        Map<String, Object> all = new LinkedHashMap<>();
        for (ProviderKind kind : ProviderKind.values()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Provider p : registry.providers(kind)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", p.type());
                m.put("class", p.getClass().getName());
                m.put("version", p.version());
                m.put("description", p.description());
                List<Map<String, String>> fields = new ArrayList<>();
                for (ConfigField f : SectionFields.known(kind, p).values()) {
                    fields.add(Map.of("name", f.name(), "description", f.description()));
                }
                m.put("fields", fields);
                m.put("presets", p.presets());
                list.add(m);
            }
            all.put(kind.name().toLowerCase(Locale.ROOT), list);
        }
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelPreset mp : ModelInit.modelPresets(registry)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", mp.name());
            m.put("description", mp.description());
            for (ProviderKind kind : ModelPreset.PARTS_IN_ORDER) {
                ModelPreset.Part part = mp.part(kind);
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("type", part.type());
                part.preset().ifPresent(x -> pm.put("preset", x));
                if (!part.settings().isEmpty()) pm.put("settings", part.settings());
                m.put(kind.configKey().substring("model.".length()), pm);
            }
            models.add(m);
        }
        all.put("model_presets", models);
        all.put("guice_modules", registry.modules().stream().map(m -> m.getClass().getName()).toList());
        return all;
    }

    private static void printText(PluginRegistry registry, PrintWriter out) {
        // one set of column widths for all kinds, so the table reads straight down
        int wType = 4;
        int wVersion = 7;
        int wClass = 5;
        for (ProviderKind kind : ProviderKind.values()) {
            for (Provider p : registry.providers(kind)) {
                wType = Math.max(wType, p.type().length());
                wVersion = Math.max(wVersion, p.version().length());
                wClass = Math.max(wClass, p.getClass().getName().length());
            }
        }
        String row = "  %-" + wType + "s  %-" + wVersion + "s  %-" + wClass + "s  %s";
        for (ProviderKind kind : ProviderKind.values()) {
            out.println(plural(kind) + " (" + kind.configKey() + ".type):");
            List<Provider> ps = registry.providers(kind);
            if (ps.isEmpty()) {
                out.println("  (none found)");
            }
            for (Provider p : ps) {
                out.println(String.format(row, p.type(), p.version(), p.getClass().getName(), p.description()).stripTrailing());
                printFields(SectionFields.known(kind, p).values(), out);
                if (!p.presets().isEmpty() && (kind == ProviderKind.VISION || kind == ProviderKind.LLM)) {
                    out.println("      presets (iris init --" + (kind == ProviderKind.VISION ? "vision" : "llm") + " " + p.type() + ":PRESET): "
                            + String.join(", ", p.presets()));
                }
            }
        }
        out.println("model presets (iris init --preset NAME, iris bench --preset NAME):");
        List<ModelPreset> models = ModelInit.modelPresets(registry);
        if (models.isEmpty()) out.println("  (none found)");
        int wName = models.stream().mapToInt(m -> m.name().length()).max().orElse(0);
        for (ModelPreset m : models) {
            List<String> parts = new ArrayList<>();
            for (ProviderKind kind : ModelPreset.PARTS_IN_ORDER) {
                ModelPreset.Part part = m.part(kind);
                parts.add(part.type() + part.preset().map(x -> ":" + x).orElse("") + (part.settings().isEmpty() ? "" : " " + part.settings()));
            }
            out.println(String.format("  %-" + wName + "s  %s", m.name(), String.join(" + ", parts)));
            out.println(String.format("  %-" + wName + "s  %s", "", m.description()).stripTrailing());
        }
        out.println("Guice modules from plugins:");
        if (registry.modules().isEmpty()) {
            out.println("  (none found)");
        }
        registry.modules().forEach(m -> out.println("  " + m.getClass().getName()));
    }

    /** The fields a section of this plugin may hold, one a line under the plugin. */
    private static void printFields(Collection<ConfigField> fields, PrintWriter out) {
        int w = fields.stream().mapToInt(f -> f.name().length()).max().orElse(0);
        for (ConfigField f : fields) {
            out.println(String.format("      %-" + w + "s  %s", f.name(), f.description()).stripTrailing());
        }
    }

    private static String plural(ProviderKind kind) {
        return switch (kind) {
            case VISION -> "vision encoders";
            case LLM -> "language models";
            case FUSION -> "fusion modules";
            case DATASET -> "datasets";
        };
    }
}
