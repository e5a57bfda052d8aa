package dev.iris.server;

import java.util.Base64;
import java.util.Locale;

/**
 * The bytes of a {@code data:image/...;base64,...} URI, decoded strictly: one base64 alphabet, no
 * spaces, line breaks or other characters inside, padding only at the end. The media type must
 * be an image type; which formats are read is for the image header check to say.
 */
final class DataUri {
    static final String PARAM = "messages.content.image_url";

    private DataUri() {}

    static byte[] decode(String url) {
        int comma = url.indexOf(',');
        if (comma < 0) throw ApiError.badRequest(PARAM, "invalid_image_url", "the data: URI has no ',' before its data");
        if (!url.regionMatches(true, 0, "data:", 0, 5)) throw ApiError.badRequest(PARAM, "invalid_image_url", "not a data: URI");
        String meta = url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (!meta.endsWith(";base64")) throw ApiError.badRequest(PARAM, "invalid_image_url", "the data: URI must be base64 (data:image/png;base64,...)");
        String mime = meta.substring(0, meta.length() - ";base64".length());
        if (!mime.startsWith("image/")) {
            throw ApiError.badRequest(PARAM, "invalid_image_format", "the data: URI must hold an image (data:image/...), got "
                    + (mime.isEmpty() ? "no type" : ApiError.quote(mime)));
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(PARAM, "invalid_image", "the data: URI is not valid base64 (" + e.getMessage()
                    + "): send it without spaces, line breaks or other characters");
        }
        if (bytes.length == 0) throw ApiError.badRequest(PARAM, "invalid_image", "the data: URI holds no data");
        return bytes;
    }
}
