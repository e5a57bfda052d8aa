package dev.iris.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an {@code image_url} into checked image bytes: a {@code data:} URI (base64, see
 * {@link DataUri}) or, only for hosts the config allows, an http(s) URL fetched with a size limit.
 * The pixel count is read from the image header before anything is decoded, so a small file
 * that would decompress to gigabytes (a decompression bomb) is refused without decoding it.
 */
final class Images {
    /** A checked image: its bytes, a name with the right extension for the decoder, and its size. */
    record Checked(byte[] bytes, String name, int width, int height) {}

    private static final String PARAM = "messages.content.image_url";
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(15);

    private final ServeConfig limits;
    private final HttpClient http;

    Images(ServeConfig limits) {
        this.limits = limits;
        // redirects are not followed: the target could be a host that is not allowed
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(FETCH_TIMEOUT).build();
    }

    Checked load(String url) {
        if (url == null || url.isBlank()) throw ApiError.badRequest(PARAM, "image_url.url is empty");
        String lower = url.substring(0, Math.min(url.length(), 16)).toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) return check(DataUri.decode(url));
        if (lower.startsWith("http://") || lower.startsWith("https://")) return check(fetch(url));
        throw ApiError.badRequest(PARAM, "invalid_image_url", "image_url.url must be a data: URI (data:image/png;base64,...) or an http(s) URL");
    }

    private byte[] fetch(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw ApiError.badRequest(PARAM, "invalid_image_url", "image_url.url is not a valid URL: " + e.getMessage());
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!limits.allowImageHosts().contains(host)) {
            throw ApiError.badRequest(PARAM, "image_host_not_allowed", "remote images are refused unless their host is allowed (serve.allow_image_hosts); "
                    + (host.isEmpty() ? "the URL names no host" : "'" + host + "' is not") + ": send the image as a data: URI instead");
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException | IllegalArgumentException e) {
            throw ApiError.badRequest(PARAM, "image_fetch_failed", "could not fetch the image from " + host + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.badRequest(PARAM, "image_fetch_failed", "interrupted while fetching the image");
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw ApiError.badRequest(PARAM, "image_fetch_failed", "fetching the image from " + host + " answered HTTP " + response.statusCode());
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > limits.maxBodyBytes()) throw tooBig(declared);
            return readAtMost(in, limits.maxBodyBytes());
        } catch (IOException e) {
            throw ApiError.badRequest(PARAM, "image_fetch_failed", "could not read the image from " + host + ": " + e.getMessage());
        }
    }

    private ApiError tooBig(long bytes) {
        return ApiError.tooLarge(PARAM, "image_too_large", "the image is " + (bytes < 0 ? "larger than" : bytes + " bytes; the limit is")
                + " " + limits.maxBodyBytes() + " bytes (serve.max_body_bytes)");
    }

    /** Reads the stream, failing as soon as it exceeds {@code max} bytes (a missing or lying Content-Length cannot get past it). */
    private byte[] readAtMost(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > max) throw tooBig(-1);
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Finds a reader for the bytes (every format this JVM's ImageIO reads, which is what the
     * model's decoder reads) and checks the pixel count from the header. Nothing is decoded here:
     * the model decodes the image once, and an undecodable one is a 400 then.
     */
    Checked check(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ApiError.badRequest(PARAM, "invalid_image_format", "the image is not in a format this server reads (PNG, JPEG, WebP, ...)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0), h = reader.getHeight(0);   // header only: nothing decoded yet
                if (w <= 0 || h <= 0) throw ApiError.badRequest(PARAM, "invalid_image", "the image has no pixels (" + w + "x" + h + ")");
                long pixels = (long) w * h;
                if (pixels > limits.maxImagePixels()) {
                    throw ApiError.tooLarge(PARAM, "image_too_large", "the image is " + w + "x" + h + " = " + pixels
                            + " pixels; the limit is " + limits.maxImagePixels() + " pixels (serve.max_image_pixels)");
                }
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                return new Checked(bytes, "image." + (format.equals("jpeg") ? "jpg" : format), w, h);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiError a) throw a;
            throw ApiError.badRequest(PARAM, "invalid_image", "the image header cannot be read: " + e.getMessage());
        }
    }
}
