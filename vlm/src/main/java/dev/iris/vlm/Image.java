package dev.iris.vlm;

import dev.iris.api.IrisException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * An image to ask about: a file, encoded bytes (PNG, JPEG, WebP, GIF, BMP, TIFF) or a
 * {@link BufferedImage}. It is decoded when a generation uses it, so a bad image fails there,
 * with its name in the message.
 */
public final class Image {
    private final byte[] encoded;
    private final String name;

    private Image(byte[] encoded, String name) {
        if (encoded.length == 0) throw new IrisException("image " + name + ": no bytes");
        this.encoded = encoded;
        this.name = name;
    }

    /** The image in {@code file}, read now. */
    public static Image of(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            return new Image(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new IrisException("image " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    /** Encoded image bytes (copied), named "image bytes" in messages. */
    public static Image of(byte[] encoded) {
        return of(encoded, "image bytes");
    }

    /** Encoded image bytes (copied), with the name messages use for them (e.g. where they came from). */
    public static Image of(byte[] encoded, String name) {
        return new Image(Objects.requireNonNull(encoded, "encoded").clone(), Objects.requireNonNull(name, "name"));
    }

    /** A decoded image, stored as PNG (lossless: the model sees exactly these pixels). */
    public static Image of(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IrisException("BufferedImage of type " + image.getType() + ": no PNG writer takes it (convert it to TYPE_INT_RGB)");
            }
        } catch (IOException e) {
            throw new IrisException("BufferedImage: writing it as PNG failed (" + e.getMessage() + ")", e);
        }
        return new Image(out.toByteArray(), "BufferedImage " + image.getWidth() + "x" + image.getHeight());
    }

    /** The name used in messages: the file, "image bytes", or the BufferedImage's size. */
    public String name() {
        return name;
    }

    byte[] encoded() {
        return encoded;
    }

    @Override
    public String toString() {
        return "Image[" + name + ", " + encoded.length + " bytes]";
    }
}
