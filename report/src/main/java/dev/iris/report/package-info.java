/**
 * PDF reports: a model's findings about an image, with the prompt, an optional machine
 * translation, the model and its settings, the date and a notice that the text is
 * machine-generated and not a diagnosis.
 *
 * <ul>
 *   <li>{@link dev.iris.report.ReportService}: generate, translate, write; what
 *       {@code iris report} and {@code POST /v1/reports} call.
 *   <li>{@link dev.iris.report.ReportRequest}: the request, also as JSON.
 *   <li>{@link dev.iris.report.Report} and {@link dev.iris.report.ReportWriter}: the
 *       content of a report and its PDF layout (PDFBox, A4).
 *   <li>{@link dev.iris.report.ReportSettings}: the config's {@code report} section.
 *   <li>{@link dev.iris.report.ReportFonts}: embedded fonts (DejaVu Sans, a CJK font).
 *   <li>{@link dev.iris.report.Translator}: any OpenAI-compatible chat completions endpoint.
 * </ul>
 */
package dev.iris.report;
