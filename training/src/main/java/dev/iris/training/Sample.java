package dev.iris.training;

/**
 * One tokenized training example.
 *
 * @param id        the dataset row's id
 * @param ids       prompt then answer token ids
 * @param labels    same length as ids: the answer's ids (caption and the end-of-turn token), -100 elsewhere
 * @param imagePads how many image pad tokens the prompt holds
 * @param truncated whether caption tokens were dropped to fit {@code train.max_length}
 * @param image     the encoded image (null for text-only samples)
 */
public record Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, byte[] image) {
    public static final long IGNORE = -100;

    public int length() {
        return ids.length;
    }

    public int labelled() {
        int n = 0;
        for (long l : labels) if (l != IGNORE) n++;
        return n;
    }
}
