package dev.iris.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Translates text with any OpenAI-compatible server ({@code POST /v1/chat/completions},
 * non-streaming): a system message asks for a translation into the configured language and the
 * text is the user message. Failures are {@link TranslationException}s naming the URL and what went
 * wrong (never the API key). Safe to share between threads.
 */
public final class Translator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern THINKING = Pattern.compile("^\\s*<think>.*?</think>\\s*", Pattern.DOTALL);
    private static final int BODY_SHOWN = 300;

    private final ReportSettings.Translate settings;
    private final URI uri;
    private final HttpClient http;

    public Translator(ReportSettings.Translate settings) {
        this.settings = settings;
        this.uri = chatCompletions(settings.endpoint());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // plain http servers rarely speak h2c; skip the upgrade attempt
                .connectTimeout(settings.timeout())
                // never: a redirect would carry the text elsewhere, and the key would not (or, worse, would) follow it
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The settings this translator uses. */
    public ReportSettings.Translate settings() {
        return settings;
    }

    /**
     * The chat completions URL for a configured endpoint: a base URL gets {@code /v1/chat/completions},
     * one ending in {@code /v1} gets {@code /chat/completions}, a full URL is used as it is.
     */
    public static URI chatCompletions(URI endpoint) {
        String s = endpoint.toString().replaceAll("/+$", "");
        if (s.endsWith("/chat/completions")) return URI.create(s);
        if (s.endsWith("/v1")) return URI.create(s + "/chat/completions");
        return URI.create(s + "/v1/chat/completions");
    }

    /** The system message: translate into the language, answer with the translation alone. */
    String instruction() {
        return "You are a professional medical translator. Translate the user's message into " + settings.language()
                + ". Reply with the translation only: no introduction, no notes, no quotation marks. "
                + "Keep the meaning exact; keep numbers, units, measurements and line breaks as they are.";
    }

    /** {@code text} in the configured language. */
    public String translate(String text) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", settings.model());
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", instruction());
        messages.addObject().put("role", "user").put("content", text);
        body.put("temperature", 0);
        body.put("stream", false);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        settings.apiKey().ifPresent(k -> req.header("Authorization", "Bearer " + k));

        HttpResponse<String> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw fail("no answer within " + seconds() + " s (report.translate.timeout_seconds)", e);
        } catch (ConnectException e) {
            throw fail("cannot connect: " + detail(e) + " (is the translation server running, and is report.translate.endpoint right?)", e);
        } catch (IOException e) {
            throw fail(detail(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted", e);
        }
        if (resp.statusCode() / 100 == 3) {
            throw fail("HTTP " + resp.statusCode() + ": a redirect (to " + resp.headers().firstValue("Location").orElse("nowhere")
                    + "), which is not followed: configure the final URL in report.translate.endpoint", null);
        }
        if (resp.statusCode() / 100 != 2) {
            throw fail("HTTP " + resp.statusCode() + ": " + shorten(resp.body()), null);
        }
        JsonNode content;
        try {
            content = JSON.readTree(resp.body()).path("choices").path(0).path("message").path("content");
        } catch (IOException e) {
            throw fail("the answer is not JSON: " + shorten(resp.body()), e);
        }
        if (!content.isTextual()) {
            throw fail("the answer has no choices[0].message.content: " + shorten(resp.body()), null);
        }
        // reasoning models may think aloud first; only the answer is the translation
        String out = THINKING.matcher(content.asText()).replaceFirst("").strip();
        if (out.isEmpty()) throw fail("the translation is empty", null);
        return out;
    }

    /** The first message along the causes (the HTTP client often wraps the useful one), else the class name. */
    private String detail(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        // what the JDK's client reports, without a message, for the two usual cases
        if (root instanceof UnresolvedAddressException) return "unknown host " + uriHost();
        if (root instanceof ClosedChannelException) return "connection refused";
        return root.getClass().getSimpleName();
    }

    private String uriHost() {
        return uri.getHost();
    }

    private String seconds() {
        double s = settings.timeout().toMillis() / 1000.0;
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }

    private TranslationException fail(String why, Throwable cause) {
        return new TranslationException("translation failed: POST " + uri + ": " + why, cause);
    }

    private static String shorten(String s) {
        String one = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return one.isEmpty() ? "(empty body)" : one.length() <= BODY_SHOWN ? one : one.substring(0, BODY_SHOWN) + "...";
    }
}
