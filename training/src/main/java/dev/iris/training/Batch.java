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
     * @param features per sample the vision features [P, Dv] (null entries for text-only batches)
     * @param imageTokens image tokens each image yields after fusion (for the splice index)
     * @param padId       the image pad token's id (-1 when the prompts carry none)
     */
    public static Batch of(List<Sample> samples, List<Tensor> features, int imageTokens, long padId) {
        int b = samples.size();
        int t = samples.stream().mapToInt(Sample::length).max().orElseThrow();
        long[] ids = new long[b * t], positions = new long[b * t], splice = new long[b * t];
        float[] imageRows = new float[b * t];
        float[] mask = new float[b * t * t];
        List<Long> rows = new ArrayList<>(), targets = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            Sample s = samples.get(i);
            int len = s.length(), pad = 0;
            for (int p = 0; p < t; p++) {
                int at = i * t + p;
                positions[at] = p < len ? p : 0;
                imageRows[at] = p < len && s.imageStart() >= 0 && p >= s.imageStart() ? 1 : 0;
                boolean isPad = p < len && s.imagePads() > 0 && s.ids()[p] == padId;
                // the fusion fills image positions: the pad's id, perhaps outside the embedding table, is never looked up
                ids[at] = p < len && !isPad ? s.ids()[p] : 0;
                splice[at] = isPad ? (long) b * t + (long) i * imageTokens + pad++ : at;
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
        if (features != null && !features.isEmpty() && features.get(0) != null) {
            feeds.put(TrainingGraph.SPLICE, Tensor.ofLongs(splice, b, t));
            feeds.put(TrainingGraph.FEATURES, Tensor.stack(features));
            // a fusion that reads image rows: its samples say where the image's place is
            if (samples.get(0).imageStart() >= 0) feeds.put(ImageRows.INPUT, Tensor.ofFloats(imageRows, b, t, 1));
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
