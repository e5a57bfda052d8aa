package dev.iris.cli;

import dev.iris.api.IrisException;
import dev.iris.api.spi.ModelPreset;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.ModelParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code iris init --vision TYPE:PRESET --llm TYPE:PRESET --fusion TYPE}: any encoder with any
 * language model and any fusion. Each part goes to {@code DIR/TYPE-PRESET}, so pairs that share a
 * part share its folder; the config goes to {@code DIR/VISION-LLM-FUSION.yaml}. The fusion's
 * settings come from a model preset the fusion plugin declares (the one built from parts of the
 * same preset names when there is one, so tiny parts get the settings meant for tiny parts),
 * else its defaults; {@code --set} changes any of them.
 */
public final class PairInit {
    private PairInit() {}

    /** A part named on the command line: {@code siglip:tiny}. */
    public record PartSpec(String type, String preset) {
        public static PartSpec parse(String option, String text) {
            int colon = text.indexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IrisException(option + " " + text + ": expected TYPE:PRESET, e.g. " + option + " TYPE:tiny");
            }
            return new PartSpec(text.substring(0, colon), text.substring(colon + 1));
        }

        String folderName() {
            return type + "-" + preset;
        }
    }

    /**
     * A whole pair in one word, {@code VISION:PRESET+LLM:PRESET+FUSION} (e.g.
     * {@code siglip:tiny+qwen2:tiny+crossattn}), for commands that take one model name such as
     * {@code iris bench --preset}.
     */
    public record Pair(PartSpec vision, PartSpec llm, String fusion) {
        /** The pair a name spells, or empty when the name is not of that form (a model preset's name). */
        public static Optional<Pair> parse(String name) {
            String[] p = name.split("\\+", -1);
            if (p.length != 3) return Optional.empty();
            if (p[2].isEmpty() || p[2].contains(":") || !p[0].matches("[^:]+:[^:]+") || !p[1].matches("[^:]+:[^:]+")) {
                throw new IrisException(name + ": expected VISION:PRESET+LLM:PRESET+FUSION, e.g. TYPE:tiny+TYPE:tiny+FUSION");
            }
            return Optional.of(new Pair(PartSpec.parse("vision", p[0]), PartSpec.parse("llm", p[1]), p[2]));
        }

        /** The config {@link #write} makes for this pair in a folder. */
        public String configFileName() {
            return vision.type() + "-" + llm.type() + "-" + fusion + ".yaml";
        }

        public Written write(PluginRegistry registry, Path out, long seed) {
            return PairInit.write(registry, vision, llm, fusion, List.of(), out, seed);
        }
    }

    public record Written(Path vision, Path llm, Path config) {}

    static Written write(PluginRegistry registry, PartSpec vision, PartSpec llm, String fusion, List<String> overrides, Path out, long seed) {
        // every name is checked before anything is written
        Provider vp = registry.vision(vision.type());
        Provider lp = registry.llm(llm.type());
        Provider fp = registry.fusion(fusion);
        requirePreset(ProviderKind.VISION, vp, vision.preset());
        requirePreset(ProviderKind.LLM, lp, llm.preset());

        Path vFolder = ModelInit.writePart(registry, ProviderKind.VISION, vision.type(), vision.preset(), out.resolve(vision.folderName()), seed);
        Path lFolder = ModelInit.writePart(registry, ProviderKind.LLM, llm.type(), llm.preset(), out.resolve(llm.folderName()), seed + 1);

        Map<String, Object> fusionSection = new LinkedHashMap<>();
        fusionSection.put("type", fusion);
        fusionSection.putAll(fusionSettings(fp, vision.preset(), llm.preset()));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("vision", Map.of("type", vision.type(), "path", vision.folderName()));
        model.put("llm", Map.of("type", llm.type(), "path", llm.folderName()));
        model.put("fusion", fusionSection);
        Path file = out.resolve(new Pair(vision, llm, fusion).configFileName());
        IrisConfig config = IrisConfig.empty(file.toString(), out).edit()
                .set("model", model)
                .set("runtime", Map.of("device", "cpu", "threads", 2))
                .set("generate", Map.of("max_new_tokens", 32, "temperature", 0.0))
                .done()
                .with(overrides);
        // a fusion that cannot join these two parts (e.g. a layer the language model lacks) fails here, not at first use
        registry.checkConfig(config);
        try (ModelParts parts = ModelParts.create(config, registry)) {
            parts.fusion().imageTokens();
        } catch (IrisException e) {
            throw new IrisException("not writing " + file + ", the parts do not assemble: " + e.getMessage()
                    + " (change the fusion's settings with --set model.fusion.KEY=VALUE)", e);
        }
        try {
            Files.writeString(file, "# written by `iris init --vision " + vision.type() + ":" + vision.preset() + " --llm " + llm.type() + ":"
                    + llm.preset() + " --fusion " + fusion + "`" + (overrides.isEmpty() ? "" : " with --set " + String.join(" --set ", overrides))
                    + ": random weights until trained\n" + config.toYaml(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return new Written(vFolder, lFolder, file);
    }

    private static void requirePreset(ProviderKind kind, Provider p, String preset) {
        if (!p.presets().contains(preset)) {
            throw new IrisException(kind.configKey() + ": " + kind.label() + " '" + p.type() + "' has no preset '" + preset + "' (its presets: "
                    + (p.presets().isEmpty() ? "none" : String.join(", ", p.presets())) + ")");
        }
    }

    /**
     * The fusion settings of the fusion plugin's model preset built from parts of these preset
     * names, else of its first model preset, else none (the plugin's defaults).
     */
    static Map<String, Object> fusionSettings(Provider fusion, String visionPreset, String llmPreset) {
        List<ModelPreset> own = fusion.modelPresets().stream().filter(m -> m.fusion().type().equals(fusion.type())).toList();
        for (ModelPreset m : own) {
            if (m.vision().preset().orElse("").equals(visionPreset) && m.llm().preset().orElse("").equals(llmPreset)) {
                return m.fusion().settings();
            }
        }
        return own.isEmpty() ? Map.of() : own.get(0).fusion().settings();
    }
}
