package dev.iris.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz targets for what a client controls before a model runs: the chat request body (JSON
 * parsing and field checks, images included), base64 {@code data:} URIs, and the image header
 * check. Every input must end in a result or an {@link ApiError} (a 4xx with a message); any other
 * exception or error fails the target. The seed corpora under
 * {@code ServerInputFuzzTestInputs/<method>/} hold each class of bad input found so far and run as
 * ordinary tests; {@code JAZZER_FUZZ=1} explores from them.
 */
class ServerInputFuzzTest {
    /** Small limits so that the inputs reach them; no remote host is allowed, so nothing is fetched. */
    private static final ServeConfig LIMITS = ServeConfig.DEFAULTS.withLimits(1 << 20, 1_000_000, 1024);
    private static final Images IMAGES = new Images(LIMITS);

    @FuzzTest(maxDuration = "60s")
    void chatRequest(byte[] body) {
        try {
            ChatRequest r = ChatRequest.parse(JsonBodies.parse(body), "iris", IMAGES, ServeConfig.DEFAULTS.maxImages());
            PromptSize.check(r.promptChars(), LIMITS, 4096, "messages");
            r.toModelRequest();
        } catch (ApiError expected) {
            checkClientError(expected);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void dataUri(byte[] uri) {
        try {
            byte[] bytes = DataUri.decode(new String(uri, StandardCharsets.UTF_8));
            if (bytes.length == 0) throw new AssertionError("an empty image was accepted");
        } catch (ApiError expected) {
            checkClientError(expected);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void imageHeader(byte[] image) {
        try {
            Images.Checked c = IMAGES.check(image);
            if (c.width() <= 0 || c.height() <= 0 || (long) c.width() * c.height() > LIMITS.maxImagePixels()) {
                throw new AssertionError("accepted an image of " + c.width() + "x" + c.height());
            }
        } catch (ApiError expected) {
            checkClientError(expected);
        }
    }

    /** A refusal must be a client error with a message, and never echo a huge input back. */
    private static void checkClientError(ApiError e) {
        if (e.status() < 400 || e.status() >= 500) throw new AssertionError("status " + e.status() + " for client input: " + e.getMessage());
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("an error without a message");
        if (e.getMessage().length() > 2000) throw new AssertionError("an error message of " + e.getMessage().length() + " characters");
    }
}
