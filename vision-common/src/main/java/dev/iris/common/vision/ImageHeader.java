package dev.iris.common.vision;

import dev.iris.api.image.InvalidImageException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The format and size of an encoded image, read from its header without decoding a pixel: what a
 * server checks (format readable, size within its limit) before handing the bytes on to be
 * decoded once by {@link ImageDecoder}, which repeats these checks and applies its own limit.
 *
 * @param format "PNG", "JPEG", "WebP", "GIF", "BMP" or "TIFF"
 */
public record ImageHeader(String format, int width, int height) {

    /** Width times height. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Reads the header of {@code encoded}; {@code label} names the image in errors. An unreadable
     * format, an empty size or a WebP shorter than its RIFF header says is an
     * {@link InvalidImageException}; the pixel count is the caller's to check.
     */
    public static ImageHeader read(byte[] encoded, String label) {
        String name = label == null || label.isBlank() ? "image bytes" : label;
        if (encoded.length == 0) throw new InvalidImageException(name, "empty (0 bytes)");
        try (ImageInputStream in = new BoundedImageInputStream(encoded)) {
            ImageReader reader = readerFor(in, encoded, name);
            try {
                reader.setInput(in, true, true);
                return of(reader, encoded, name);
            } finally {
                reader.dispose();
            }
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            // as in the decoder: ImageIO readers fail on malformed headers in many ways
            throw new InvalidImageException(name, "the header cannot be read: " + ImageDecoder.reason(e), e);
        }
    }

    /** The first installed reader that recognises the bytes; the error names a known unsupported format. */
    static ImageReader readerFor(ImageInputStream in, byte[] encoded, String label) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) throw new InvalidImageException(label, unrecognised(encoded));
        return readers.next();
    }

    /** The header as {@code reader} (its input set) reads it, checked for an empty size and a short WebP. */
    static ImageHeader of(ImageReader reader, byte[] encoded, String label) throws IOException {
        String format = formatName(reader);
        if (format.equals("WebP")) checkWebpLength(encoded, label);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0) throw new InvalidImageException(label, format + " header gives an empty size " + w + "x" + h);
        return new ImageHeader(format, w, h);
    }

    static String formatName(ImageReader reader) throws IOException {
        String name = reader.getFormatName().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "JPG" -> "JPEG";
            case "WEBP" -> "WebP";
            case "TIF" -> "TIFF";
            default -> name;
        };
    }

    /** libwebp refuses a file shorter than its RIFF header says; TwelveMonkeys might decode what is there. */
    private static void checkWebpLength(byte[] b, String label) {
        if (b.length < 12) throw new InvalidImageException(label, "truncated WebP: " + b.length + " bytes, shorter than its header");
        long declared = (b[4] & 0xffL) | (b[5] & 0xffL) << 8 | (b[6] & 0xffL) << 16 | (b[7] & 0xffL) << 24;
        if (declared + 8 > b.length) {
            throw new InvalidImageException(label, "truncated WebP: its RIFF header declares " + (declared + 8)
                    + " bytes, the file has " + b.length);
        }
    }

    private static String unrecognised(byte[] encoded) {
        return UnreadableFormat.of(encoded)
                .map(f -> f + " is not supported (readable: " + UnreadableFormat.READABLE + ")")
                .orElseGet(() -> "not a recognised image (" + encoded.length + " bytes starting " + hexPrefix(encoded)
                        + "; readable: " + UnreadableFormat.READABLE + ")");
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i] & 0xff));
        return s.toString();
    }
}
