package dev.iris.vlm;

import dev.iris.plugins.model.GenerationResult;
import java.util.Arrays;

/**
 * A generated answer, its token ids and its timings. Two answers are equal when their text, stop
 * reason and ids are (timings differ from run to run).
 *
 * @param text            the text (special tokens left out)
 * @param stopReason      why generation ended
 * @param promptIds       the prompt's token ids (chat template and image tokens included)
 * @param generatedIds    the generated ids, the stop token included when one ended generation
 * @param imageEncodeMs   time to encode the image (0 without one)
 * @param prefillMs       time to run the prompt through the model
 * @param medianDecodeMs  median time per token after the first (0 with fewer than two tokens)
 */
public record Answer(String text, StopReason stopReason, long[] promptIds, long[] generatedIds,
                     double imageEncodeMs, double prefillMs, double medianDecodeMs) {
    /** Copies the id arrays, so an answer never changes. */
    public Answer {
        promptIds = promptIds.clone();
        generatedIds = generatedIds.clone();
    }

    static Answer of(GenerationResult r) {
        return new Answer(r.text(), StopReason.of(r.stopReason()), r.promptIds(), r.generatedIds(), r.imageEncodeMs(),
                r.prefillMs(), r.medianDecodeMs());
    }

    /** A copy of the prompt's token ids. */
    @Override
    public long[] promptIds() {
        return promptIds.clone();
    }

    /** A copy of the generated ids. */
    @Override
    public long[] generatedIds() {
        return generatedIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Answer a && text.equals(a.text) && stopReason == a.stopReason && Arrays.equals(promptIds, a.promptIds)
                && Arrays.equals(generatedIds, a.generatedIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * text.hashCode() + Arrays.hashCode(promptIds)) + Arrays.hashCode(generatedIds);
    }

    @Override
    public String toString() {
        return "Answer[" + stopReason + ", " + generatedIds.length + " tokens: " + text + "]";
    }
}
