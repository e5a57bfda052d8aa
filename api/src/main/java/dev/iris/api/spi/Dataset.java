package dev.iris.api.spi;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A stream of image–caption examples; never loads the whole dataset. */
public interface Dataset {
    /** Opens a fresh pass over the examples, in the dataset's stored order. The caller closes it. */
    Examples open();

    /** A short description for logs and reports (files, split). */
    String describe();

    /** One pass: an iterator that holds files open until closed. */
    interface Examples extends Iterator<Example>, AutoCloseable {
        @Override
        void close();

        /** Rows skipped so far in this pass (missing image, empty caption, ...). */
        Skips skips();
    }

    /** An image with its caption. {@code image} holds the encoded file bytes (PNG, JPEG). */
    record Example(String id, String caption, byte[] image) {}

    /**
     * Skipped rows: how many, the ids of the first few (for the report), and counts by reason
     * (e.g. "missing image", "empty caption"). A skipped row is never replaced by a stand-in.
     */
    record Skips(long count, List<String> firstIds, Map<String, Long> byReason) {
        public static final Skips NONE = new Skips(0, List.of(), Map.of());
    }
}
