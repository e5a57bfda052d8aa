package dev.iris.training;

import dev.iris.api.tensor.Tensor;
import java.util.List;

/**
 * The vision features of a batch's images: per sample, each of its images' [tokens, width]
 * features in order (an empty list for a text-only sample).
 */
public record ImageFeatures(List<List<Tensor>> perSample, int tokens, int width) {
    public ImageFeatures {
        perSample = perSample.stream().map(List::copyOf).toList();
        for (List<Tensor> images : perSample) {
            for (Tensor f : images) {
                if (f.shape().length != 2 || f.shape()[0] != tokens || f.shape()[1] != width) {
                    throw new IllegalArgumentException("image features " + java.util.Arrays.toString(f.shape()) + " are not [" + tokens + ", " + width + "]");
                }
            }
        }
    }

    /** One image per sample. */
    public static ImageFeatures oneEach(List<Tensor> features) {
        long[] s = features.get(0).shape();
        return new ImageFeatures(features.stream().map(List::of).toList(), (int) s[0], (int) s[1]);
    }

    /** The most images one sample has. */
    int mostImages() {
        return perSample.stream().mapToInt(List::size).max().orElse(0);
    }

    /** Features [B, slots * tokens, width]: each sample's images one after another, then zeros for its empty slots. */
    Tensor laidOut(int slots) {
        int one = tokens * width;
        float[] out = new float[perSample.size() * slots * one];
        for (int i = 0; i < perSample.size(); i++) {
            int at = i * slots * one;
            for (Tensor f : perSample.get(i)) {
                f.data().asFloatBuffer().get(0, out, at, one);
                at += one;
            }
        }
        return Tensor.ofFloats(out, perSample.size(), (long) slots * tokens, width);
    }
}
