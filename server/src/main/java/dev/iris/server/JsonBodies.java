package dev.iris.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Request bodies as JSON: declared as JSON, at most the configured size, strictly parsed; every problem is an {@link ApiError}. */
final class JsonBodies {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonBodies() {}

    /** 415 unless the body is declared JSON: a page on another site can send a "simple" form post without asking, but not a JSON one. */
    static void requireJson(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiError(415, "invalid_request_error", "unsupported_media_type", null,
                    "send the body as JSON with 'Content-Type: application/json'", null);
        }
    }

    /**
     * The body as JSON, read with the size limit (the Content-Length was checked before; a chunked body is counted here).
     * Strict: UTF-8 only, no byte order mark, nothing after the JSON value.
     */
    static JsonNode read(Context ctx, ServeConfig config) {
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > config.maxBodyBytes()) {
                    // read (and drop) a bounded rest so the client, still sending, gets the 413 instead of a reset
                    long drained = 0, bound = 4L * config.maxBodyBytes();
                    while (drained < bound && (n = in.read(buf)) > 0) drained += n;
                    throw IrisServer.bodyTooLarge(config);
                }
                out.write(buf, 0, n);
            }
            body = out.toByteArray();
        } catch (IOException e) {
            throw ApiError.badRequest(null, "could not read the request body: " + e.getMessage());
        }
        return parse(body);
    }

    /** A request body as JSON: UTF-8 only, no byte order mark, nothing after the value; every problem is a 400. */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiError.badRequest(null, "the request body is empty: send a JSON object");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest(null, "invalid_json", "the request body is not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) throw ApiError.badRequest(null, "invalid_json", "the request body starts with a byte order mark: send plain UTF-8 JSON");
        try {
            JsonNode node = STRICT.readTree(text);
            if (node == null || node.isMissingNode()) throw ApiError.badRequest(null, "invalid_json", "the request body holds no JSON value");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(null, "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw ApiError.badRequest(null, "invalid_json", "the request body is not valid JSON: " + e.getMessage());
        }
    }
}
