package dev.iris.server;

/**
 * The cheap bound on a prompt, checked before it is tokenized or waits for a worker: its
 * characters, against {@code serve.max_prompt_chars} and against what the model's context could
 * hold at all. Tokenizing is linear in the text, but a huge text still costs seconds and gigabytes
 * outside the worker limit; a text that cannot fit is refused without that work.
 */
final class PromptSize {
    /**
     * Characters one context position can stand for at most, by this bound: tokens of real
     * vocabularies average 3-5 characters, so a prompt over 32 per position cannot fit the context.
     */
    static final int CHARS_PER_POSITION = 32;

    private PromptSize() {}

    /** 400 {@code prompt_too_long} naming the limit, when {@code chars} is over it. */
    static void check(long chars, ServeConfig config, int context, String param) {
        long fits = (long) context * CHARS_PER_POSITION;
        if (chars > config.maxPromptChars()) {
            throw ApiError.badRequest(param, "prompt_too_long", "the prompt is " + chars + " characters; this server accepts at most "
                    + config.maxPromptChars() + " (serve.max_prompt_chars)");
        }
        if (chars > fits) {
            throw ApiError.badRequest(param, "prompt_too_long", "the prompt is " + chars + " characters, more than the model's context of "
                    + context + " tokens can hold (at most " + fits + " characters, " + CHARS_PER_POSITION + " per token)");
        }
    }
}
