package dev.iris.training;

import java.util.List;

/**
 * One tokenized training example.
 *
 * @param id          the dataset row's id
 * @param ids         prompt then answer token ids
 * @param labels      same length as ids: the answers' ids (each answer and its end-of-turn token), -100 elsewhere
 * @param imagePads   how many image pad tokens the prompt holds (all its images')
 * @param truncated   whether turns or answer tokens were dropped to fit {@code train.max_length}
 * @param images      the encoded images, in the order the prompt places them (none for a text-only sample)
 * @param imageStarts per image the first position at or after its place in the prompt, for a fusion
 *                    that reads image rows; null when the fusion does not
 * @param turnsDropped whole trailing turns (user and assistant) left out to fit {@code train.max_length}
 */
public record Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, List<byte[]> images, int[] imageStarts,
                     int turnsDropped) {
    public static final long IGNORE = -100;

    public Sample {
        images = List.copyOf(images);
        if (imageStarts != null && imageStarts.length != images.size()) {
            throw new IllegalArgumentException("sample " + id + ": " + images.size() + " images but " + imageStarts.length + " image starts");
        }
    }

    /** A sample with at most one image ({@code image} null for none) for a fusion that does not read image rows. */
    public Sample(String id, long[] ids, long[] labels, int imagePads, boolean truncated, byte[] image) {
        this(id, ids, labels, imagePads, truncated, image == null ? List.of() : List.of(image), null, 0);
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
