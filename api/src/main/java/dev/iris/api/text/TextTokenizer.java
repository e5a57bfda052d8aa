package dev.iris.api.text;

import java.util.OptionalLong;

/**
 * Text to token ids and back. Special tokens written in the text ({@code <|im_start|>},
 * {@code <|image_pad|>}) are recognised as single ids; nothing is added, truncated or padded.
 */
public interface TextTokenizer {

    long[] encode(String text);

    /** Text of the ids; with {@code skipSpecial} special tokens are left out. */
    String decode(long[] ids, boolean skipSpecial);

    /** The id of a token written exactly as given (e.g. {@code <|image_pad|>}), if the vocabulary has it as one token. */
    OptionalLong tokenId(String token);

    /** Number of ids the tokenizer can produce (may be below the model's embedding rows). */
    int size();
}
