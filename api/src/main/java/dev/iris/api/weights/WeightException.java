package dev.iris.api.weights;

import dev.iris.api.IrisException;

/** A checkpoint could not be read or does not match what the model expects. */
public class WeightException extends IrisException {
    public WeightException(String message) {
        super(message);
    }

    public WeightException(String message, Throwable cause) {
        super(message, cause);
    }
}
