package dev.iris.report;

import dev.iris.api.config.ComponentConfig;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one PDF report shows.
 *
 * @param image       the image as given to the model (PNG or JPEG bytes)
 * @param imageName   the image's name (a file name; any folders are left out when shown)
 * @param prompt      the question or instruction the model answered
 * @param findings    the model's text, exactly as generated
 * @param translation the findings in another language, when translation is configured
 * @param model       what answered: one line per model component, as {@link #describeModel} makes them
 * @param settings    the generation settings used
 * @param stopReason  why generation stopped ({@code stop}, {@code length} or {@code context})
 * @param created     when the report was made
 * @param irisVersion the Iris version that made it
 */
public record Report(byte[] image, String imageName, String prompt, String findings, Optional<Translation> translation,
                     List<Field> model, GenerateConfig settings, String stopReason, ZonedDateTime created, String irisVersion) {

    /** How dates are printed in a report, e.g. {@code 2026-11-29 14:03:12 +01:00}. */
    public static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx", Locale.ROOT);

    /**
     * The findings in another language.
     *
     * @param language the language, as configured ({@code report.translate.language})
     * @param text     the translated findings
     * @param notice   the machine-generation notice in that language, when it was translated too
     * @param model    the model that translated
     */
    public record Translation(String language, String text, Optional<String> notice, String model) {
        public Translation {
            Objects.requireNonNull(language);
            Objects.requireNonNull(text);
            Objects.requireNonNull(notice);
            Objects.requireNonNull(model);
        }
    }

    /** One labelled line of the "Model and configuration" section. */
    public record Field(String label, String value) {}

    public Report {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(imageName, "imageName");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(findings, "findings");
        Objects.requireNonNull(translation, "translation");
        model = List.copyOf(model);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(stopReason, "stopReason");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(irisVersion, "irisVersion");
    }

    /**
     * The model components of {@code config}: type and path of the vision encoder and language
     * model, type and weights file of the fusion (paths as written in the config, so a report
     * does not show the server's folders beyond what the config names).
     */
    public static List<Field> describeModel(IrisConfig config) {
        List<Field> out = new ArrayList<>();
        out.add(new Field("Vision encoder", component(config.vision(), "path")));
        out.add(new Field("Language model", component(config.llm(), "path")));
        ComponentConfig fusion = config.fusion();
        String weights = fusion.has("weights") ? String.valueOf(fusion.values().get("weights"))
                : "none: initialised, not trained (model.fusion.weights is not set)";
        out.add(new Field("Fusion", fusion.type() + extras(fusion)));
        out.add(new Field("Fusion weights", weights));
        return out;
    }

    private static String component(ComponentConfig c, String pathKey) {
        Object path = c.values().get(pathKey);
        return c.type() + (path == null ? "" : ", " + pathKey + ": " + path);
    }

    /** A fusion's scalar settings other than type and weights, e.g. "merge: sequential, factor: 4". */
    private static String extras(ComponentConfig c) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> e : c.values().entrySet()) {
            String k = e.getKey();
            if (k.equals("type") || k.equals("weights") || e.getValue() == null || e.getValue() instanceof Map) continue;
            parts.add(k + ": " + e.getValue());
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    /** The generation settings as one line. */
    public static String describeSettings(GenerateConfig g) {
        return "max_new_tokens " + g.maxNewTokens() + ", temperature " + g.temperature() + ", top_k " + g.topK()
                + ", top_p " + g.topP() + ", repetition_penalty " + g.repetitionPenalty() + ", seed " + g.seed();
    }

    /** The date as printed in the report. */
    public String date() {
        return DATE.format(created);
    }
}
