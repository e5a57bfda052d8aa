package dev.iris.server;

/**
 * Thrown from the model's text callback to end a generation at once: the model lets the
 * exception through, so the decode loop stops after the token at hand.
 */
final class GenerationStopped extends RuntimeException {
    enum Reason {
        /** A stop sequence appeared: a normal end ({@code finish_reason: stop}). */
        STOP_SEQUENCE,
        /** Writing to the client failed: it went away. */
        CLIENT_GONE,
        /** The request's deadline ({@code serve.deadline_s}) passed. */
        DEADLINE,
        /** Shutdown gave up waiting ({@code serve.drain_s}). */
        SHUTDOWN
    }

    private final Reason reason;

    GenerationStopped(Reason reason, Throwable cause) {
        super(reason.name(), cause, false, false);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
