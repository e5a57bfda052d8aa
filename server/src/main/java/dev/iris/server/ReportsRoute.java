package dev.iris.server;

import io.javalin.http.Context;

/**
 * {@code POST /v1/reports}: the place where PDF reports plug in. The report writer
 * ({@code dev.iris.server.report.ReportWriter}, written separately) is not called yet, so
 * this answers 501 in OpenAI's error shape; the web page shows that message.
 *
 * <p>The body the web page sends: {@code {"model", "prompt", "answer", "image" (a data: URI or
 * null), "settings": {"temperature", "max_tokens"}}}. Answer with {@code application/pdf}.
 */
final class ReportsRoute {
    private final IrisServer server;

    ReportsRoute(IrisServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        server.readJson(ctx);   // limits and JSON errors apply already
        // TODO(reports merge): build the PDF with dev.iris.server.report.ReportWriter and send it as application/pdf
        throw new ApiError(501, "not_implemented", "reports_unavailable", null,
                "PDF reports are not available on this server yet", null);
    }
}
