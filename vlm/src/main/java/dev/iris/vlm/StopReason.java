package dev.iris.vlm;

/** Why a generation ended. */
public enum StopReason {
    /** The model wrote a stop token (end of turn). */
    STOP,
    /** {@code maxNewTokens} were written. */
    LENGTH,
    /** The model's context is full. */
    CONTEXT;

    static StopReason of(String hostName) {
        return switch (hostName) {
            case "stop" -> STOP;
            case "length" -> LENGTH;
            case "context" -> CONTEXT;
            default -> throw new IllegalStateException("unknown stop reason from the model: " + hostName);
        };
    }
}
