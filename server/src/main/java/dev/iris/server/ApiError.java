package dev.iris.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}
 * with its HTTP status (and a {@code Retry-After} in seconds for 429 and 503).
 */
public final class ApiError extends RuntimeException {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Integer retryAfterS;

    public ApiError(int status, String type, String code, String param, String message, Integer retryAfterS) {
        super(message, null, false, false);   // control flow: no stack trace needed
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterS = retryAfterS;
    }

    public static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", null, param, message, null);
    }

    public static ApiError badRequest(String param, String code, String message) {
        return new ApiError(400, "invalid_request_error", code, param, message, null);
    }

    public static ApiError tooLarge(String param, String code, String message) {
        return new ApiError(413, "invalid_request_error", code, param, message, null);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null, message, null);
    }

    public static ApiError notFound(String param, String code, String message) {
        return new ApiError(404, "invalid_request_error", code, param, message, null);
    }

    public static ApiError queueFull(int retryAfterS) {
        return new ApiError(429, "rate_limit_exceeded", "queue_full",
                null, "the server is busy: every worker is generating and the queue is full; retry after " + retryAfterS + " s", retryAfterS);
    }

    public static ApiError unavailable(String code, String message, int retryAfterS) {
        return new ApiError(503, "server_error", code, null, message, retryAfterS);
    }

    public static ApiError timeout(String message) {
        return new ApiError(504, "timeout", "deadline_exceeded", null, message, null);
    }

    public static ApiError internal(String message) {
        return new ApiError(500, "server_error", null, null, message, null);
    }

    public static ApiError requestTimeout(String message) {
        return new ApiError(408, "invalid_request_error", "request_timeout", null, message, null);
    }

    /** A client-supplied value for an error message: at most 64 characters, so a huge value is never sent back whole. */
    static String quote(String value) {
        if (value == null) return "null";
        String head = value.substring(0, Math.min(value.length(), 64)).replaceAll("\\p{Cntrl}", "?");
        return value.length() <= 64 ? "'" + head + "'" : "'" + head + "...' (" + value.length() + " characters)";
    }

    /** The body in OpenAI's shape. */
    ObjectNode body(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", getMessage());
        err.put("type", type);
        err.put("param", param);
        err.put("code", code);
        return root;
    }

    /** The body as JSON bytes (for answers written outside the routes: Jetty's own errors, slow bodies). */
    byte[] bodyBytes() {
        try {
            return JSON.writeValueAsBytes(body(JSON));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Optional<Integer> retryAfterS() {
        return Optional.ofNullable(retryAfterS);
    }
}
