package dev.iris.vision.siglip;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG (and the other formats the JDK's ImageIO reads: GIF, BMP, TIFF, WBMP) into
 * {@link RgbImage}, converting the way Pillow's {@code convert("RGB")} does (see {@link RgbImage#from}).
 *
 * <p>Anything that does not decode cleanly is an {@link InvalidImageException} naming the file (or
 * "image bytes") and the problem. In particular decoder warnings, which ImageIO reports for a
 * truncated JPEG while still returning a partly grey image, are treated as errors: a model must
 * never silently see a blank or half-decoded picture.
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
        BufferedImage image = decodeImage(encoded, label);
        try {
            return RgbImage.from(image);
        } catch (IrisException e) {
            throw new InvalidImageException(label, e.getMessage(), e);
        }
    }

    static BufferedImage decodeImage(byte[] encoded, String label) {
        if (encoded.length == 0) throw new InvalidImageException(label, "empty (0 bytes)");
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidImageException(label, "not a recognised image (" + encoded.length
                        + " bytes starting " + hexPrefix(encoded) + "; readable formats: PNG, JPEG, GIF, BMP, TIFF)");
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toUpperCase(java.util.Locale.ROOT);
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, message) -> warnings.add(message));
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) throw new InvalidImageException(label, format + " header gives an empty size " + w + "x" + h);
                if (w * h > MAX_PIXELS) {
                    throw new InvalidImageException(label, format + " image of " + w + "x" + h + " = " + w * h
                            + " pixels exceeds the limit of " + MAX_PIXELS + " (possible decompression bomb)");
                }
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new InvalidImageException(label, "damaged or truncated: the " + format + " decoder reported \""
                            + String.join("\"; \"", warnings) + "\"");
                }
                return image;
            } catch (InvalidImageException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                // ImageIO signals truncated or corrupt data with IIOException (often wrapping an
                // EOFException) and, for some malformed files, runtime exceptions.
                throw new InvalidImageException(label, "damaged, truncated or not a valid " + format + ": " + reason(e), e);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new InvalidImageException(label, "cannot be read: " + reason(e), e);
        }
    }

    /** The exception's message and the messages of its causes, which is where ImageIO puts the detail. */
    private static String reason(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 400; t = t.getCause()) {
            String m = t.getMessage();
            String part = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
            if (b.length() > 0) b.append(" caused by ");
            b.append(part);
            if (t.getCause() == t) break;
        }
        return b.toString();
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i] & 0xff));
        return s.toString();
    }
}
