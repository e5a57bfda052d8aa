package dev.iris.common.vision;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG, WebP, GIF, BMP and TIFF into {@link RgbImage}, giving the pixels Pillow's
 * {@code Image.open(f).convert("RGB")} gives for the same file (Pillow 9.4 with libjpeg-turbo and
 * libwebp, checked by golden files in the tests):
 * <ul>
 *   <li>PNG of any bit depth and colour type (1/2/4/8-bit grey, 16-bit grey clipped as Pillow's
 *       mode "I", 16-bit RGB/RGBA/grey+alpha reduced to the high byte, palette with or without
 *       transparency, an index past a short palette read as Pillow reads it): exact;</li>
 *   <li>JPEG (baseline, progressive, grey, 4:2:0/4:2:2/4:4:4, RGB, CMYK, Adobe YCCK) through
 *       TwelveMonkeys' reader, which decodes with the JDK's libjpeg; its raw samples are
 *       colour-converted here as libjpeg and Pillow convert them (see {@link JpegSamples}): exact,
 *       except the rare 4:4:0 subsampling, which libjpeg-turbo interpolates and libjpeg 6b repeats;</li>
 *   <li>WebP through TwelveMonkeys: lossless exact; lossy close but not exact, because its VP8
 *       reconstruction and chroma upsampling differ from libwebp's (largest differences at sharp
 *       coloured edges; ImageFormatGoldenTest states what was measured); an animated WebP or GIF
 *       gives its first frame, as Pillow does. A WebP shorter than its RIFF header says is refused,
 *       as libwebp refuses it;</li>
 *   <li>GIF, BMP and TIFF through the JDK's readers: exact for the kinds tested.</li>
 * </ul>
 * As in Pillow, ICC profiles and EXIF orientation are not applied and alpha is dropped without
 * compositing; an ICC profile that is broken or does not fit the image is ignored, not an error.
 *
 * <p>Anything that does not decode cleanly is an {@link InvalidImageException} naming the file (or
 * "image bytes") and a short reason. Decoder warnings about the data, which ImageIO reports for a
 * truncated JPEG while still returning a partly grey image, are errors: a model must never
 * silently see a blank or half-decoded picture. The size from the header is checked against a
 * pixel limit before any pixel is decoded, and a decoder that keeps reading past the end of the
 * data is stopped ({@link BoundedImageInputStream}).
 */
public final class ImageDecoder {
    /**
     * Largest accepted image, in pixels; Pillow raises DecompressionBombError above the same
     * number (twice its {@code MAX_IMAGE_PIXELS}). Checked from the header before pixels are decoded.
     */
    public static final long MAX_PIXELS = 178_956_970L;

    private ImageDecoder() {}

    /** Reads and decodes an image file. */
    public static RgbImage read(Path file) {
        String label = "image file " + file;
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new IrisException(label + " is a directory, not an image");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IrisException(label + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IrisException(label + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new IrisException(label + " cannot be read: " + e.getMessage(), e);
        }
        return decode(bytes, label);
    }

    /** Decodes an encoded image (the bytes of a PNG, JPEG, ... file). */
    public static RgbImage read(byte[] encoded) {
        return decode(encoded, "image bytes");
    }

    /** As {@link #read(byte[])}, naming the image {@code name} (e.g. its file) in errors. */
    public static RgbImage read(byte[] encoded, String name) {
        return decode(encoded, name == null || name.isBlank() ? "image bytes" : name);
    }

    /** Decodes {@code encoded}; {@code label} names it in error messages ("image file x.png"). */
    static RgbImage decode(byte[] encoded, String label) {
        return decode(encoded, label, MAX_PIXELS);
    }

    /** As {@link #decode(byte[], String)} with another pixel limit (the fuzz test uses a small one). */
    static RgbImage decode(byte[] encoded, String label, long maxPixels) {
        if (encoded.length == 0) throw new InvalidImageException(label, "empty (0 bytes)");
        try (ImageInputStream in = new BoundedImageInputStream(encoded)) {
            ImageReader reader = ImageHeader.readerFor(in, encoded, label);
            String format = ImageHeader.formatName(reader);
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, message) -> warnings.add(message));
                ImageHeader header = ImageHeader.of(reader, encoded, label);
                long w = header.width();
                long h = header.height();
                if (w * h > maxPixels) {
                    throw new InvalidImageException(label, format + " image of " + w + "x" + h + " = " + w * h
                            + " pixels exceeds the limit of " + maxPixels + " (possible decompression bomb)");
                }
                RgbImage image = pixels(reader, format, encoded);
                List<String> damage = warnings.stream().filter(m -> !isAboutColourProfile(m)).toList();
                if (!damage.isEmpty()) {
                    throw new InvalidImageException(label, "damaged or truncated " + format + ": the decoder reported \""
                            + String.join("\"; \"", damage) + "\"");
                }
                if (image.width() != w || image.height() != h) {
                    throw new InvalidImageException(label, format + " decoded to " + image.width() + "x" + image.height()
                            + " but its header says " + w + "x" + h);
                }
                return image;
            } catch (InvalidImageException e) {
                throw e;
            } catch (IrisException e) {
                throw new InvalidImageException(label, e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                // a header within the pixel limit can still ask for more than this JVM's heap
                throw new InvalidImageException(label, format + " image is too large to decode in the available memory", e);
            } catch (IOException | RuntimeException | StackOverflowError e) {
                // ImageIO signals truncated or corrupt data with IIOException (often wrapping an
                // EOFException) and, for some malformed files, runtime exceptions
                throw new InvalidImageException(label, "damaged or truncated " + format + ": " + reason(e), e);
            } finally {
                reader.dispose();
            }
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // from probing the format: an ImageIO reader's canDecodeInput can fail on odd bytes too
            throw new InvalidImageException(label, "cannot be read: " + reason(e), e);
        }
    }

    private static RgbImage pixels(ImageReader reader, String format, byte[] encoded) throws IOException {
        if (format.equals("JPEG")) {
            // raw samples, so neither an ICC profile nor the plugin's own CMYK conversion is applied
            Raster raw = reader.readRaster(0, null);
            return JpegSamples.toRgb(raw, JpegHeader.parse(encoded).coding(raw.getNumBands()));
        }
        BufferedImage image = reader.read(0);
        return RgbImage.from(image, format.equals("PNG") ? PngPalette.entries(encoded) : -1);
    }

    /**
     * Warnings TwelveMonkeys gives about an ICC profile it ignores (broken, truncated, not fitting
     * the image) or about colour conversion; Pillow ignores profiles too, so they are not damage.
     */
    private static boolean isAboutColourProfile(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("icc") || w.contains("color profile") || w.contains("colour profile");
    }

    /**
     * The exception's message and its causes' (where ImageIO puts the detail), joined with ": ";
     * a class name only where there is no message. Kept short: it ends up in an HTTP 400 body.
     */
    static String reason(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            String part = m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip();
            if (parts.isEmpty() || !parts.get(parts.size() - 1).contains(part)) parts.add(part);
        }
        String r = String.join(": ", parts);
        return r.length() <= 300 ? r : r.substring(0, 297) + "...";
    }
}
