package dev.iris.api.image;

import dev.iris.api.IrisException;

/**
 * An image that cannot be used: not a supported format, damaged or truncated, an empty or
 * oversized picture. Thrown by image decoders; training and evaluation skip the row and count
 * it under {@link #reason()}, the server answers 400 {@code invalid_image}.
 *
 * <p>The message is {@code <label>: <reason>} (e.g. {@code image of row 17: WebP is not
 * supported}); {@link #reason()} is the part after the label, short enough to group skipped
 * rows by.
 */
public class InvalidImageException extends IrisException {
    private final String reason;

    public InvalidImageException(String label, String reason) {
        super(label + ": " + reason);
        this.reason = reason;
    }

    public InvalidImageException(String label, String reason, Throwable cause) {
        super(label + ": " + reason, cause);
        this.reason = reason;
    }

    /** What is wrong with the image, without the label naming which one. */
    public String reason() {
        return reason;
    }
}
