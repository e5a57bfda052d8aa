package dev.iris.cli.corpus;

import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * The image encodings of the corpus. The JDK writes most of them from a painted scene; WebP and
 * CMYK JPEG, which it cannot write, are small committed files made with Pillow
 * ({@code src/test/resources/corpus/images/make_images.py}) showing the scene {@link #fixedScene()}.
 * The last three are broken on purpose.
 */
public enum ImageFormat {
    PNG_RGB, PNG_RGBA, PNG_GREY, PNG_GREY_16BIT, PNG_RGB_16BIT, PNG_PALETTE,
    JPEG_RGB, JPEG_GREY, JPEG_CMYK, GIF, BMP, TIFF, WEBP_LOSSY, WEBP_LOSSLESS,
    GARBAGE, TRUNCATED_PNG, TRUNCATED_JPEG;

    /** True for the formats Iris must decode (as Pillow's {@code convert("RGB")} does); false for the broken ones. */
    public boolean decodable() {
        return this != GARBAGE && this != TRUNCATED_PNG && this != TRUNCATED_JPEG;
    }

    /** The committed file of a format the JDK cannot write, or null. */
    String committedFile() {
        return switch (this) {
            case WEBP_LOSSY -> "lesion-upper-left-lossy.webp";
            case WEBP_LOSSLESS -> "lesion-lower-right-lossless.webp";
            case JPEG_CMYK -> "lesion-upper-right-cmyk.jpg";
            default -> null;
        };
    }

    /** The scene a committed file shows (make_images.py draws these), or null when the scene is painted here. */
    LesionScene fixedScene() {
        return switch (this) {
            case WEBP_LOSSY -> new LesionScene(LesionScene.Place.UPPER_LEFT, 12, true, true, LesionScene.Modality.CT);
            case WEBP_LOSSLESS -> new LesionScene(LesionScene.Place.LOWER_RIGHT, 12, true, true, LesionScene.Modality.MRI);
            case JPEG_CMYK -> new LesionScene(LesionScene.Place.UPPER_RIGHT, 12, true, true, LesionScene.Modality.XRAY);
            default -> null;
        };
    }

    /** The encoded bytes of {@code scene} at {@code size} pixels (committed formats ignore both). */
    byte[] encode(LesionScene scene, int size) {
        if (committedFile() != null) return resource("/corpus/images/" + committedFile());
        BufferedImage rgb = ScanPainter.paint(scene, size);
        return switch (this) {
            case PNG_RGB -> write(rgb, "png");
            case PNG_RGBA -> write(withAlpha(rgb), "png");
            case PNG_GREY -> write(convert(rgb, BufferedImage.TYPE_BYTE_GRAY), "png");
            case PNG_GREY_16BIT -> write(convert(rgb, BufferedImage.TYPE_USHORT_GRAY), "png");
            case PNG_RGB_16BIT -> write(rgb16(rgb), "png");
            case PNG_PALETTE -> write(convert(rgb, BufferedImage.TYPE_BYTE_INDEXED), "png");
            case JPEG_RGB -> write(rgb, "jpeg");
            case JPEG_GREY -> write(convert(rgb, BufferedImage.TYPE_BYTE_GRAY), "jpeg");
            case GIF -> write(convert(rgb, BufferedImage.TYPE_BYTE_INDEXED), "gif");
            case BMP -> write(convert(rgb, BufferedImage.TYPE_3BYTE_BGR), "bmp");
            case TIFF -> write(rgb, "tiff");
            case GARBAGE -> "%PDF-1.4 this is not an image at all \u0000\u0001\u0002".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            case TRUNCATED_PNG -> { byte[] b = write(rgb, "png"); yield Arrays.copyOf(b, b.length / 2); }
            case TRUNCATED_JPEG -> { byte[] b = write(rgb, "jpeg"); yield Arrays.copyOf(b, b.length * 3 / 5); }
            case WEBP_LOSSY, WEBP_LOSSLESS, JPEG_CMYK -> throw new AssertionError("committed");
        };
    }

    static byte[] resource(String name) {
        try (InputStream in = ImageFormat.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("test resource " + name + " is missing");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no ImageIO writer for " + format + " of this image type");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static BufferedImage convert(BufferedImage src, int type) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), type);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, 0, 0, null);
        g.dispose();
        return out;
    }

    /** Alpha falling from opaque at the top to half-transparent at the bottom. */
    private static BufferedImage withAlpha(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < src.getHeight(); y++) {
            int alpha = 255 - 128 * y / Math.max(1, src.getHeight() - 1);
            for (int x = 0; x < src.getWidth(); x++) out.setRGB(x, y, (alpha << 24) | (src.getRGB(x, y) & 0xFFFFFF));
        }
        return out;
    }

    /** 16 bits per channel RGB: each 8-bit value v becomes v * 257, so it converts back exactly. */
    private static BufferedImage rgb16(BufferedImage src) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(src.getWidth(), src.getHeight());
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y);
                r.setPixel(x, y, new int[] {((p >> 16) & 255) * 257, ((p >> 8) & 255) * 257, (p & 255) * 257});
            }
        }
        return new BufferedImage(cm, r, false, null);
    }
}
