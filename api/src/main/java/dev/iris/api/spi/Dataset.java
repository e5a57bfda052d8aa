package dev.iris.api.spi;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** A stream of image–caption examples; never loads the whole dataset. */
public interface Dataset {
    /** Opens a fresh pass over the examples, in the dataset's stored order. The caller closes it. */
    Examples open();

    /** A short description for logs and reports (files, split). */
    String describe();

    /**
     * Metrics that only this dataset's captions support, e.g. an exact-match accuracy of a
     * synthetic task whose captions have a known structure. Evaluation reports them beside the
     * general caption metrics (loss, BLEU, ROUGE, CIDEr) that every dataset gets; most datasets
     * offer none.
     */
    default List<TaskMetric> taskMetrics() {
        return List.of();
    }

    /** One pass: an iterator that holds files open until closed. */
    interface Examples extends Iterator<Example>, AutoCloseable {
        @Override
        void close();

        /** Rows skipped so far in this pass (missing image, empty caption, ...). */
        Skips skips();

        /**
         * The rows skipped since the previous call (or the start of the pass), each with its
         * reason, in the order they were met. The host writes them to the run's skip list so the
         * user can fix the data; {@link #skips()} keeps counting them.
         */
        List<Skipped> drainSkipped();
    }

    /** An image with its caption. {@code image} holds the encoded file bytes (PNG, JPEG). */
    record Example(String id, String caption, byte[] image) {}

    /** One row that was not used, and why (e.g. "missing image"). */
    record Skipped(String id, String reason) {}

    /**
     * Skipped rows: how many, the ids of the first few (for the report), and counts by reason
     * (e.g. "missing image", "empty caption"). A skipped row is never replaced by a stand-in.
     */
    record Skips(long count, List<String> firstIds, Map<String, Long> byReason) {
        public static final Skips NONE = new Skips(0, List.of(), Map.of());
    }

    /**
     * A score of one generated caption against its reference that only makes sense for one kind
     * of data (e.g. "names the same colour, shape and position").
     */
    interface TaskMetric {
        /** The key in JSON reports, e.g. {@code shapes_accuracy}. */
        String key();

        /** What a reader sees in tables, e.g. "held-out fully correct (shapes: colour, shape and position)". */
        String label();

        /**
         * 1 when {@code generated} is right about {@code reference}, 0 when wrong (values in
         * between for partial credit), empty when the reference is not one this metric can judge.
         */
        OptionalDouble score(String generated, String reference);
    }
}
