package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.server.report.ReportRequest;
import dev.iris.server.report.ReportService;
import dev.iris.server.report.TranslationException;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * {@code POST /v1/reports}: a PDF report of the model's findings on an image. The body is
 * {@link ReportRequest}'s JSON, plus an optional {@code "findings"}: an answer the model already
 * gave (the web page sends the one it showed), so nothing is generated again. Reports wait for a
 * model slot like completions do.
 */
final class ReportsRoute {
    private final IrisServer server;

    ReportsRoute(IrisServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        JsonNode body = server.readJson(ctx);   // limits and JSON errors apply already
        ReportService reports = server.reports()
                .orElseThrow(() -> new ApiError(501, "not_implemented", "reports_unavailable", null,
                        "PDF reports are not available on this server", null));
        if (!body.isObject()) throw ApiError.badRequest(null, "the request must be a JSON object with \"image\" and \"prompt\"");
        ObjectNode fields = ((ObjectNode) body).deepCopy();
        Optional<String> findings = Optional.empty();
        JsonNode f = fields.remove("findings");
        if (f != null && !f.isNull()) {
            if (!f.isTextual()) throw ApiError.badRequest("findings", "findings: expected text");
            findings = Optional.of(f.asText());
        }
        ReportRequest request;
        try {
            request = ReportRequest.fromJson(fields.toString());
        } catch (IrisException e) {
            throw ApiError.badRequest(null, e.getMessage());
        }
        server.engine();   // 503 until the model is ready
        long deadline = System.nanoTime() + (long) (server.config().deadlineS() * 1e9);
        server.admission().refuseIfFull();
        byte[] pdf;
        try (Admission.Slot slot = server.admission().enter(deadline, server.retryWhileDraining())) {
            pdf = reports.writer().toBytes(reports.report(request, findings, text -> {}));
        } catch (TranslationException e) {
            throw new ApiError(502, "upstream_error", "translation_failed", null, e.getMessage(), null);
        } catch (ApiError e) {
            throw e;
        } catch (IrisException e) {
            throw new ApiError(422, "invalid_request_error", "report_failed", null, e.getMessage(), null);
        }
        ctx.contentType("application/pdf");
        ctx.header("Content-Disposition", "attachment; filename=\"iris-report.pdf\"");
        ctx.result(pdf);
    }
}
