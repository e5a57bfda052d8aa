package dev.iris.report;

import dev.iris.api.IrisException;

/**
 * The translation server could not be reached or gave no usable answer. A separate type so an
 * HTTP server can answer 502 (a service it depends on failed) rather than 400 or 500.
 */
public final class TranslationException extends IrisException {
    public TranslationException(String message, Throwable cause) {
        super(message, cause);
    }
}
