package dev.iris.api.spi;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.image.InvalidImageException;
import dev.iris.api.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Turns images into patch features. Weights are requested by name in group {@code vision}. */
public interface VisionEncoder {
    /** Preprocesses one decoded image into the pixel tensor [3, H, W] the encoder expects. */
    Tensor preprocess(BufferedImage image);

    /**
     * Decodes and preprocesses an encoded image (PNG, JPEG). {@code name} (a file name, or
     * "image bytes") appears in errors: an unreadable or truncated image is an
     * {@link dev.iris.api.image.InvalidImageException}, never a blank one.
     */
    default Tensor preprocess(byte[] encoded, String name) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(name, "cannot be decoded: " + e.getMessage(), e);
        }
        // an InvalidImageException, so training and evaluation skip the row instead of stopping
        if (image == null) throw new InvalidImageException(name, "not a PNG or JPEG image (or an unsupported format)");
        return preprocess(image);
    }

    /** Image side in pixels (square input). */
    int imageSize();

    /** Patch tokens per image. */
    int tokens();

    /** Feature width of each patch token. */
    int hiddenSize();

    /** Describes the forward pass: pixels [B, 3, H, W] to features [B, tokens, hiddenSize]. */
    Value encode(GraphBuilder g, Value pixels);
}
