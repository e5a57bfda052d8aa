package dev.iris.api.text;

import java.util.Arrays;

/**
 * Turns ids into text as they arrive without ever emitting half a character: a token may end
 * inside a multi-byte UTF-8 sequence, so text is released only once it decodes cleanly.
 */
public final class StreamingDetokenizer {
    private final TextTokenizer tokenizer;
    private long[] ids = new long[16];
    private int count;
    private int emitted;   // characters of the decoded text already released

    public StreamingDetokenizer(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id; returns the new text that is now complete (possibly empty). */
    public String push(long id) {
        if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        // an incomplete UTF-8 sequence decodes to U+FFFD at the end: wait for the next token
        if (text.endsWith("\uFFFD") || text.length() <= emitted) return "";
        String fresh = text.substring(emitted);
        emitted = text.length();
        return fresh;
    }

    /** Whatever remains at the end of generation (including a dangling replacement character). */
    public String flush() {
        String text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        String rest = text.length() > emitted ? text.substring(emitted) : "";
        emitted = text.length();
        return rest;
    }

    /** All text so far. */
    public String text() {
        return tokenizer.decode(Arrays.copyOf(ids, count), true);
    }
}
