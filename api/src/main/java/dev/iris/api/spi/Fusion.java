package dev.iris.api.spi;

/** Brings image features into the language model. Weights live in group {@code fusion}. */
public interface Fusion {
    /** Tokens each image adds to the text context (0 for cross-attention). */
    int imageTokens();
}
