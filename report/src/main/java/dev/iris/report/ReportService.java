package dev.iris.report;

import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Makes reports with a loaded model: generates the findings for an image and a prompt,
 * translates them when {@code report.translate} is configured, and writes the PDF. This is what
 * {@code iris report} and {@code POST /v1/reports} call.
 *
 * <p>The fonts and the translation settings are read from the config once, when the service is
 * made, so a missing font fails at start-up, not on the first request. The service is as
 * thread-safe as the model's {@code generate}; close it (it holds font files open) when done.
 * The model stays the caller's to close.
 */
public final class ReportService implements AutoCloseable {
    private final VisionLanguageModel model;
    private final IrisConfig config;
    private final ReportSettings settings;
    private final ReportWriter writer;
    private final Optional<Translator> translator;
    private final List<Report.Field> modelDescription;
    private final String irisVersion;
    private final Clock clock;
    private volatile String notice;     // the translated notice, once known

    /** A service for {@code model}, loaded from {@code config}; {@code irisVersion} is printed in reports. */
    public ReportService(VisionLanguageModel model, IrisConfig config, String irisVersion) {
        this(model, config, irisVersion, Clock.systemDefaultZone());
    }

    /** As above, with the clock that dates reports (tests use a fixed one). */
    public ReportService(VisionLanguageModel model, IrisConfig config, String irisVersion, Clock clock) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.irisVersion = Objects.requireNonNull(irisVersion, "irisVersion");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = ReportSettings.from(config);
        this.modelDescription = Report.describeModel(config);
        this.writer = new ReportWriter(ReportFonts.from(settings));
        this.translator = settings.translate().map(Translator::new);
    }

    /** The {@code report} settings in use. */
    public ReportSettings settings() {
        return settings;
    }

    /** The writer (and through it the fonts) reports are made with. */
    public ReportWriter writer() {
        return writer;
    }

    /** Generates, translates and writes: the PDF bytes. */
    public byte[] pdf(ReportRequest request) {
        return writer.toBytes(report(request, text -> {}));
    }

    /**
     * Generates the findings and translates them (when configured): the report, not yet a PDF.
     * {@code onText} receives the findings as they are generated; if it throws, generation
     * stops and the exception propagates (as with {@link VisionLanguageModel#generate}).
     */
    public Report report(ReportRequest request, Consumer<String> onText) {
        return report(request, Optional.empty(), onText);
    }

    /**
     * As {@link #report(ReportRequest, Consumer)}, but with {@code answered} present the findings
     * are that text (an answer the model already gave, e.g. on the web page) and nothing is generated.
     */
    public Report report(ReportRequest request, Optional<String> answered, Consumer<String> onText) {
        // fail before a long generation when the prompt could not be printed anyway
        writer.fonts().check("the prompt", request.prompt());
        writer.fonts().check("the image name", request.imageName());
        ReportWriter.ImageKind.of(request.image());
        GenerateConfig gen = request.settings(config.generate());
        String findings;
        String stopReason;
        if (answered.isPresent()) {
            findings = answered.get();
            stopReason = "given";
        } else {
            VisionLanguageModel.Request question = VisionLanguageModel.Request.question(
                    gen.system(), request.prompt(), Optional.of(request.image()), request.imageName());
            GenerationResult result = model.generate(question, gen, onText, false);
            findings = result.text();
            stopReason = result.stopReason();
        }
        writer.fonts().check("the findings", findings);

        Optional<Report.Translation> translation = Optional.empty();
        if (translator.isPresent() && !findings.isBlank()) {
            Translator t = translator.get();
            String text = t.translate(findings);
            writer.fonts().check("the translation", text);
            String notice = translatedNotice(t);
            translation = Optional.of(new Report.Translation(t.settings().language(), text, Optional.of(notice), t.settings().model()));
        }
        return new Report(request.image(), request.imageName(), request.prompt(), findings, translation,
                modelDescription, gen, stopReason, ZonedDateTime.now(clock), irisVersion);
    }

    /** The notice in the translation language: asked for once, as it is the same in every report. */
    private String translatedNotice(Translator t) {
        String n = notice;
        if (n == null) {
            n = t.translate(ReportWriter.NOTICE);
            writer.fonts().check("the translated notice", n);
            notice = n;
        }
        return n;
    }

    /**
     * The Iris version from the jar's manifest ({@code Implementation-Version}, which the
     * runnable jar has), or "dev" when running from classes (tests, IDE).
     */
    public static String irisVersion() {
        String v = ReportService.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    @Override
    public void close() {
        writer.fonts().close();
    }
}
