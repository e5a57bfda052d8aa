package dev.iris.training;

import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.model.ImageRows;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples padded to the longest of them (not to a fixed length) and laid out as the training
 * graph's inputs. Logits are computed only at the positions whose next token is labelled.
 */
public final class Batch {
    private final List<Sample> samples;
    private final Map<String, Tensor> feeds;
    private final int labelled;

    private Batch(List<Sample> samples, Map<String, Tensor> feeds, int labelled) {
        this.samples = List.copyOf(samples);
        this.feeds = Map.copyOf(feeds);
        this.labelled = labelled;
    }

    /**
     * @param features    the samples' vision features (null for a text-only run)
     * @param imageTokens image tokens each image yields after fusion (for the splice index)
     * @param padId       the image pad token's id (-1 when the prompts carry none)
     */
    public static Batch of(List<Sample> samples, ImageFeatures features, int imageTokens, long padId) {
        int b = samples.size();
        int t = samples.stream().mapToInt(Sample::length).max().orElseThrow();
        // every sample gets as many image slots as the one with the most (at least one: a batch of
        // text-only samples still feeds the graph an image); the slots it does not fill are zeros
        // that no position reads (no image positions, no image rows)
        int slots = Math.max(1, features == null ? 0 : features.mostImages());
        long[] ids = new long[b * t], positions = new long[b * t], splice = new long[b * t];
        float[] mask = new float[b * t * t];
        List<Long> rows = new ArrayList<>(), targets = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            Sample s = samples.get(i);
            int len = s.length(), pad = 0;
            for (int p = 0; p < t; p++) {
                int at = i * t + p;
                positions[at] = p < len ? p : 0;
                boolean isPad = p < len && s.imagePads() > 0 && s.ids()[p] == padId;
                // the fusion fills image positions: the pad's id, perhaps outside the embedding table, is never looked up
                ids[at] = p < len && !isPad ? s.ids()[p] : 0;
                // the sample's k-th image position is row k of its images' rows, which start after the earlier samples' slots
                splice[at] = isPad ? (long) b * t + (long) i * slots * imageTokens + pad++ : at;
                for (int k = 0; k < t; k++) {
                    // causal, and padding keys are never attended to
                    if (k > p || k >= len) mask[(at) * t + k] = Float.NEGATIVE_INFINITY;
                }
                if (p + 1 < len && s.labels()[p + 1] != Sample.IGNORE) {
                    rows.add((long) at);
                    targets.add(s.labels()[p + 1]);
                }
            }
        }
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put(TrainingGraph.IDS, Tensor.ofLongs(ids, b, t));
        feeds.put(TrainingGraph.POSITIONS, Tensor.ofLongs(positions, b, t));
        feeds.put(TrainingGraph.MASK, Tensor.ofFloats(mask, b, 1, t, t));
        feeds.put(TrainingGraph.ROWS, Tensor.ofLongs(rows.stream().mapToLong(Long::longValue).toArray(), rows.size()));
        feeds.put(TrainingGraph.TARGETS, Tensor.ofLongs(targets.stream().mapToLong(Long::longValue).toArray(), targets.size()));
        if (features != null) {
            feeds.put(TrainingGraph.SPLICE, Tensor.ofLongs(splice, b, t));
            feeds.put(TrainingGraph.FEATURES, features.laidOut(slots));
            // a fusion that reads image rows: its samples say where each image's place is
            if (samples.get(0).imageStarts() != null) {
                int tokens = features.tokens();
                float[] imageRows = new float[b * t * slots * tokens];
                for (int i = 0; i < b; i++) {
                    Sample s = samples.get(i);
                    ImageRows.write(imageRows, i * t * slots * tokens, s.length(), s.imageStarts(), tokens, slots);
                }
                feeds.put(ImageRows.INPUT, Tensor.ofFloats(imageRows, b, t, (long) slots * tokens));
            }
        }
        return new Batch(samples, feeds, rows.size());
    }

    public Map<String, Tensor> feeds() {
        return feeds;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Labelled tokens in the batch: the loss is their mean. */
    public int labelled() {
        return labelled;
    }

    public List<String> ids() {
        return samples.stream().map(Sample::id).toList();
    }
}
