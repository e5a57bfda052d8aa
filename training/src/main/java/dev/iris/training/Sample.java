package dev.iris.training;

/**
 * One tokenized training example.
 *
 * @param id        the dataset row's id
 * @param ids       prompt then answer token ids
 * @param labels    same length as ids: the answers' ids (each answer and its end-of-turn token), -100 elsewhere
 * @param imagePads how many image pad tokens the prompt holds
 * @param truncated whether turns or answer tokens were dropped to fit {@code train.max_length}
 * @param image     the encoded image (null for text-only samples)
 * @param imageStart the first position at or after the image's place in the prompt, for a fusion
 *                   that reads image rows; -1 when the fusion does not
 * @param turnsDropped whole trailing turns (user and assistant) left out to fit {@code train.max_length}
 */
public record Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, byte[] image, int imageStart, int turnsDropped) {
    public static final long IGNORE = -100;

    public Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, byte[] image, int imageStart) {
        this(id, ids, labels, imagePads, truncated, image, imageStart, 0);
    }

    /** A sample for a fusion that does not read image rows. */
    public Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, byte[] image) {
        this(id, ids, labels, imagePads, truncated, image, -1);
    }

    public int length() {
        return ids.length;
    }

    public int labelled() {
        int n = 0;
        for (long l : labels) if (l != IGNORE) n++;
        return n;
    }
}
