package dev.iris.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors (a bad request line or header, a URI or headers too long, anything Jetty
 * answers before a route runs) in OpenAI's JSON shape instead of Jetty's HTML page. The message
 * is a fixed text per status: what Jetty says about malformed input may quote the input.
 */
final class JsonErrorHandler extends ErrorHandler {

    static ApiError errorFor(int status) {
        return switch (status) {
            case 400 -> new ApiError(400, "invalid_request_error", "bad_request", null, "the request is not valid HTTP (request line or headers)", null);
            case 404 -> ApiError.notFound(null, "unknown_url", "unknown request URL");
            case 405 -> new ApiError(405, "invalid_request_error", "method_not_allowed", null, "this method is not allowed on this URL", null);
            case 408 -> ApiError.requestTimeout("the request was not received in time");
            case 413 -> ApiError.tooLarge(null, "request_too_large", "the request is too large");
            case 414 -> new ApiError(414, "invalid_request_error", "uri_too_long", null, "the request URL is too long", null);
            case 415 -> new ApiError(415, "invalid_request_error", "unsupported_media_type", null, "unsupported content type", null);
            case 431 -> new ApiError(431, "invalid_request_error", "headers_too_large", null, "the request headers are too large", null);
            case 501 -> new ApiError(501, "invalid_request_error", "not_implemented", null, "this request is not supported", null);
            case 505 -> new ApiError(505, "invalid_request_error", "http_version_not_supported", null, "this HTTP version is not supported", null);
            default -> new ApiError(status, status >= 500 ? "server_error" : "invalid_request_error", null, null, "HTTP error " + status, null);
        };
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(errorFor(status).bodyBytes());
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(errorFor(code).bodyBytes()), callback);
    }
}
