package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.report.ReportRequest;
import dev.iris.report.ReportService;
import dev.iris.report.TranslationException;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/reports}: a PDF report of the model's findings on an image. The body is
 * {@link ReportRequest}'s JSON, plus an optional {@code "findings"}: an answer the model already
 * gave (the web page sends the one it showed), so nothing is generated again. Reports go through
 * the same limits as completions: body size, prompt size, the image's pixel count (from its
 * header), {@code max_tokens_cap} and the context, the queue and workers, the deadline, and the
 * stop at shutdown.
 */
final class ReportsRoute {
    private static final Logger LOG = LoggerFactory.getLogger(ReportsRoute.class);

    private final IrisServer server;

    ReportsRoute(IrisServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        JsonBodies.requireJson(ctx);
        ReportService reports = server.reports()
                .orElseThrow(() -> new ApiError(501, "not_implemented", "reports_unavailable", null,
                        "PDF reports are not available on this server", null));
        long deadline = System.nanoTime() + (long) (server.config().deadlineS() * 1e9);
        ChatEngine engine = server.engine();   // 503 until the model is ready, and while draining
        JsonNode body = JsonBodies.read(ctx, server.config());   // limits and JSON errors apply already
        server.admission().refuseIfFull();
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
        server.images().check(request.image());   // the pixel count, from the header: before anything is decoded
        int context = engine.contextLength();
        PromptSize.check(request.prompt().length(), server.config(), context, "prompt");
        int cap = server.config().maxTokensCap();
        if (request.maxTokens().isPresent() && request.maxTokens().getAsInt() > cap) {
            throw ApiError.badRequest("max_tokens", "max_tokens is " + request.maxTokens().getAsInt() + " but this server allows at most " + cap + " (serve.max_tokens_cap)");
        }
        String id = "report-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        byte[] pdf;
        try (Admission.Slot slot = server.admission().enter(deadline, server.retryWhileDraining())) {
            ReportRequest bounded = findings.isPresent() ? request : withinContext(engine, request, context, cap);
            pdf = reports.writer().toBytes(reports.report(bounded, findings, stopWhenDue(deadline)));
        } catch (GenerationStopped s) {
            throw s.reason() == GenerationStopped.Reason.DEADLINE
                    ? ApiError.timeout("the report was not finished before the request's deadline (serve.deadline_s)")
                    : ApiError.unavailable("shutting_down", "the server is shutting down", 5);
        } catch (TranslationException e) {
            // the details (the endpoint's URL, what it answered) are for the operator, not the client
            LOG.warn("{}: {}", id, e.getMessage());
            ctx.header("X-Request-Id", id);
            throw new ApiError(502, "upstream_error", "translation_failed", null,
                    "the translation service did not give a usable answer; the server log has the details (request id " + id + ")", null);
        } catch (ApiError e) {
            throw e;
        } catch (InvalidImageException e) {
            throw ChatCompletions.invalidImage(e);
        } catch (IrisException e) {
            throw new ApiError(422, "invalid_request_error", "report_failed", null, e.getMessage(), null);
        }
        ctx.contentType("application/pdf");
        ctx.header("Content-Disposition", "attachment; filename=\"iris-report.pdf\"");
        ctx.result(pdf);
    }

    /** The request with max_tokens settled as for completions: asked for (if the prompt leaves room), else the default within cap and context. */
    private ReportRequest withinContext(ChatEngine engine, ReportRequest r, int context, int cap) {
        GenerateConfig d = server.defaults();
        VisionLanguageModel.Request question = VisionLanguageModel.Request.question(d.system(), r.prompt(), Optional.of(r.image()), r.imageName());
        int prompt = engine.promptTokens(question);
        int maxTokens;
        if (r.maxTokens().isPresent()) {
            maxTokens = r.maxTokens().getAsInt();
            if (prompt + maxTokens > context) {
                throw ApiError.badRequest("max_tokens", "context_length_exceeded", "the prompt is " + prompt + " tokens and max_tokens is " + maxTokens
                        + ": together " + (prompt + maxTokens) + ", more than the model's context of " + context + " tokens");
            }
        } else {
            if (prompt >= context) {
                throw ApiError.badRequest("prompt", "context_length_exceeded", "the prompt is " + prompt
                        + " tokens, which leaves no room in the model's context of " + context + " tokens");
            }
            maxTokens = Math.min(Math.min(d.maxNewTokens(), cap), context - prompt);
        }
        return new ReportRequest(r.image(), r.imageName(), r.prompt(), OptionalInt.of(maxTokens), r.temperature());
    }

    /**
     * Ends the generation at the next piece of text once the deadline has passed or shutdown gives
     * up waiting. (A client that leaves is not seen here: nothing is written to it before the PDF,
     * and Jetty does not notice a closed connection it is neither reading nor writing.)
     */
    private Consumer<String> stopWhenDue(long deadline) {
        return piece -> {
            if (server.aborting()) throw new GenerationStopped(GenerationStopped.Reason.SHUTDOWN, null);
            if (System.nanoTime() - deadline > 0) throw new GenerationStopped(GenerationStopped.Reason.DEADLINE, null);
        };
    }
}
