package dev.iris.api;

/** Base of Iris's own errors: the message is written for the user and names what went wrong. */
public class IrisException extends RuntimeException {
    public IrisException(String message) {
        super(message);
    }

    public IrisException(String message, Throwable cause) {
        super(message, cause);
    }
}
