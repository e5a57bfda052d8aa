package dev.iris.report;

import dev.iris.api.IrisException;
import java.util.Base64;
import java.util.Locale;

/**
 * The bytes of a {@code data:image/...;base64,...} URL, decoded strictly: one base64 alphabet, no
 * spaces, line breaks or other characters inside, padding only at the end. The one decoder of
 * the report form and the chat endpoint; each decides which image types it takes and how an
 * error reaches its client ({@link Invalid#problem()}).
 */
public final class DataUrl {
    /** What is wrong with a data URL. */
    public enum Problem { NOT_A_DATA_URL, NOT_BASE64, NOT_AN_IMAGE, MALFORMED_BASE64, EMPTY }

    /** A data URL that cannot be used; the message says why in the client's terms. */
    public static final class Invalid extends IrisException {
        private final Problem problem;

        Invalid(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /** @param mediaType lower case, e.g. {@code image/png} */
    public record Image(String mediaType, byte[] bytes) {}

    private static final int SHOWN = 40;

    private DataUrl() {}

    /** Decodes {@code url} as given (surrounding white space is the caller's to strip or refuse). */
    public static Image decodeImage(String url) {
        int comma = url.indexOf(',');
        if (comma < 0 || !url.regionMatches(true, 0, "data:", 0, 5)) {
            throw new Invalid(Problem.NOT_A_DATA_URL, "expected a data URL (data:image/png;base64,...) but got " + shown(url));
        }
        String meta = url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (!meta.endsWith(";base64")) {
            throw new Invalid(Problem.NOT_BASE64, "the data URL must be base64 (data:image/png;base64,...), got " + shown(url.substring(0, comma)));
        }
        String mime = meta.substring(0, meta.length() - ";base64".length());
        if (!mime.startsWith("image/")) {
            throw new Invalid(Problem.NOT_AN_IMAGE, "the data URL must hold an image (data:image/...), got "
                    + (mime.isEmpty() ? "no media type" : shown(mime)));
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new Invalid(Problem.MALFORMED_BASE64, "the base64 data is malformed (" + e.getMessage()
                    + "): send it without spaces, line breaks or other characters");
        }
        if (bytes.length == 0) throw new Invalid(Problem.EMPTY, "the data URL holds no data");
        return new Image(mime, bytes);
    }

    /** A client's text in an error: quoted, control characters replaced, long text cut. */
    private static String shown(String s) {
        String head = s.substring(0, Math.min(s.length(), SHOWN)).replaceAll("\\p{Cntrl}", "?");
        return "\"" + head + (s.length() > SHOWN ? "...\"" : "\"");
    }
}
