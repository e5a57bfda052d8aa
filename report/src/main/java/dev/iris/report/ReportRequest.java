package dev.iris.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.plugins.config.GenerateConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What to make a report about: an image, a prompt, and optionally generation settings that
 * override the config's {@code generate} section.
 *
 * <p>As JSON (the body of {@code POST /v1/reports}):
 *
 * <pre>
 * {
 *   "image": "data:image/png;base64,iVBORw0KGgo...",   // required: a PNG or JPEG as a data URL
 *   "image_name": "scan-0042.png",                       // optional, shown in the report (default: "uploaded image (no file name given)")
 *   "prompt": "Describe the findings in this image.",   // required
 *   "max_tokens": 256,                                   // optional: generate.max_new_tokens for this report
 *   "temperature": 0.0                                   // optional: generate.temperature for this report
 * }
 * </pre>
 *
 * Any other field, a malformed data URL or an image that is neither PNG nor JPEG is an
 * {@link IrisException} whose message names the field (a 400 for an HTTP server).
 *
 * @param image       the PNG or JPEG bytes
 * @param imageName   the name shown in the report
 * @param prompt      the question or instruction
 * @param maxTokens   overrides {@code generate.max_new_tokens} when present
 * @param temperature overrides {@code generate.temperature} when present
 */
public record ReportRequest(byte[] image, String imageName, String prompt, OptionalInt maxTokens, OptionalDouble temperature) {
    /** The JSON fields a request may have. */
    public static final List<String> FIELDS = List.of("image", "image_name", "prompt", "max_tokens", "temperature");

    /** The image's name in a report when the request gives none. */
    public static final String UNNAMED = "uploaded image (no file name given)";
    /** Longest image name kept (a file name, not a text). */
    static final int NAME_CHARS = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    public ReportRequest {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(imageName, "imageName");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(temperature, "temperature");
        ReportWriter.ImageKind.of(image); // PNG or JPEG only
        if (prompt.isBlank()) throw new IrisException("prompt: expected text but got an empty prompt");
        if (maxTokens.isPresent() && maxTokens.getAsInt() < 1) {
            throw new IrisException("max_tokens: expected an integer >= 1 but got " + maxTokens.getAsInt());
        }
        if (temperature.isPresent() && !(temperature.getAsDouble() >= 0 && Double.isFinite(temperature.getAsDouble()))) {
            throw new IrisException("temperature: expected a number >= 0 but got " + temperature.getAsDouble());
        }
    }

    /** A request with the config's generation settings. */
    public static ReportRequest of(byte[] image, String imageName, String prompt) {
        return new ReportRequest(image, imageName, prompt, OptionalInt.empty(), OptionalDouble.empty());
    }

    /** Reads the JSON body described above. */
    public static ReportRequest fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IrisException("the request is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IrisException("the request must be a JSON object with \"image\" and \"prompt\"");
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) unknown.add("\"" + f + "\"");
        }
        if (!unknown.isEmpty()) {
            throw new IrisException("unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known: " + String.join(", ", FIELDS) + ")");
        }
        String dataUrl = text(root, "image").orElseThrow(() -> new IrisException("image: required field is missing"));
        byte[] image = decodeDataUrl(dataUrl);
        String prompt = text(root, "prompt").orElseThrow(() -> new IrisException("prompt: required field is missing"));
        // the client's file name when given; else a label that does not pretend to be one
        String name = text(root, "image_name").filter(n -> !n.isBlank()).map(ReportRequest::fileName).orElse(UNNAMED);
        OptionalInt maxTokens = OptionalInt.empty();
        JsonNode mt = root.get("max_tokens");
        if (mt != null && !mt.isNull()) {
            if (!mt.isIntegralNumber() || !mt.canConvertToInt()) throw new IrisException("max_tokens: expected an integer but got " + mt);
            maxTokens = OptionalInt.of(mt.intValue());
        }
        OptionalDouble temperature = OptionalDouble.empty();
        JsonNode t = root.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber()) throw new IrisException("temperature: expected a number but got " + t);
            temperature = OptionalDouble.of(t.doubleValue());
        }
        return new ReportRequest(image, name, prompt, maxTokens, temperature);
    }

    /** The last path element of a client's file name, without control characters, at most {@link #NAME_CHARS} long. */
    static String fileName(String given) {
        String n = given.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1).replaceAll("\\p{Cntrl}", "").strip();
        if (n.isEmpty()) return UNNAMED;
        return n.length() <= NAME_CHARS ? n : n.substring(0, NAME_CHARS) + "...";
    }

    private static Optional<String> text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return Optional.empty();
        if (!n.isTextual()) throw new IrisException(field + ": expected text but got " + n.getNodeType().name().toLowerCase(Locale.ROOT));
        return Optional.of(n.asText());
    }

    /** The bytes of a {@code data:image/png;base64,...} or {@code data:image/jpeg;base64,...} URL. */
    static byte[] decodeDataUrl(String url) {
        DataUrl.Image image;
        try {
            image = DataUrl.decodeImage(url.strip());
        } catch (DataUrl.Invalid e) {
            throw new IrisException("image: " + e.getMessage());
        }
        String mime = image.mediaType();
        if (!mime.equals("image/png") && !mime.equals("image/jpeg") && !mime.equals("image/jpg")) {
            throw new IrisException("image: expected image/png or image/jpeg but got "
                    + (mime.length() > 40 ? mime.substring(0, 40) + "..." : mime));
        }
        return image.bytes();
    }

    /** {@code base} with this request's overrides. */
    public GenerateConfig settings(GenerateConfig base) {
        return base.withMaxNewTokens(maxTokens.orElse(base.maxNewTokens()))
                .withTemperature(temperature.orElse(base.temperature()));
    }

    @Override
    public String toString() {
        return "ReportRequest[" + imageName + " (" + image.length + " bytes), " + prompt + ", max_tokens=" + maxTokens
                + ", temperature=" + temperature + "]";
    }
}
