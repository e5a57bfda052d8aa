package dev.iris.plugins.model;

import java.util.List;

/**
 * What one generation produced and how long it took.
 *
 * @param text          the generated text (special tokens left out)
 * @param promptIds     the prompt's token ids
 * @param generatedIds  generated ids, including the stop token when one ended generation
 * @param stopReason    {@code stop} (a stop token), {@code length} (max_new_tokens) or {@code context} (the context is full)
 * @param imageEncodeMs time to encode the image (0 without one)
 * @param prefillMs     time to run the prompt through the model
 * @param decodeMs      time of each decode step after the first token
 */
public record GenerationResult(String text, long[] promptIds, long[] generatedIds, String stopReason,
                               double imageEncodeMs, double prefillMs, List<Double> decodeMs) {

    /** Median milliseconds per decoded token (0 when fewer than one step). */
    public double medianDecodeMs() {
        if (decodeMs.isEmpty()) return 0;
        double[] s = decodeMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
