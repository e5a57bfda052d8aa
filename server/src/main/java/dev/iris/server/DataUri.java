package dev.iris.server;

import dev.iris.report.DataUrl;

/**
 * The bytes of a {@code data:image/...;base64,...} URI in a chat message, decoded by the shared
 * {@link DataUrl}; its problems become 400s with OpenAI-style codes. Which image formats are read
 * is for the image header check to say.
 */
final class DataUri {
    static final String PARAM = "messages.content.image_url";

    private DataUri() {}

    static byte[] decode(String url) {
        try {
            return DataUrl.decodeImage(url).bytes();
        } catch (DataUrl.Invalid e) {
            String code = switch (e.problem()) {
                case NOT_A_DATA_URL, NOT_BASE64 -> "invalid_image_url";
                case NOT_AN_IMAGE -> "invalid_image_format";
                case MALFORMED_BASE64, EMPTY -> "invalid_image";
            };
            throw ApiError.badRequest(PARAM, code, e.getMessage());
        }
    }
}
