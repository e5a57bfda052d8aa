package dev.iris.datasets;

import dev.iris.api.spi.Dataset.Skipped;
import dev.iris.api.spi.Dataset.Skips;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the rows one pass skipped, by reason, keeping the first few ids for the report and
 * every skipped row until the host takes it ({@link #drain()}) for the run's skip list.
 */
final class SkipCounter {
    static final String MISSING_IMAGE = "missing image";
    static final String IMAGE_NOT_FOUND = "image file not found";
    static final String EMPTY_CAPTION = "empty caption";
    static final String NO_CONVERSATIONS = "no conversations list";
    static final String NOT_AN_ENTRY = "not an entry object";
    static final String MALFORMED_LINE = "malformed JSON line";
    static final String BAD_IMAGE_FIELD = "bad image field";

    /** Enough ids to look a few bad rows up by hand, few enough for a report line. */
    static final int KEPT_IDS = 5;

    private long count;
    private final List<String> firstIds = new ArrayList<>();
    private final Map<String, Long> byReason = new LinkedHashMap<>();
    private List<Skipped> undrained = new ArrayList<>();

    /** Counts a row; a reason's details after ": " (which turn, which file) go to the list, not into the count's key. */
    void skip(String reason, String id) {
        count++;
        undrained.add(new Skipped(id, reason));
        if (firstIds.size() < KEPT_IDS) {
            firstIds.add(id);
        }
        int head = reason.indexOf(": ");
        byReason.merge(head < 0 ? reason : reason.substring(0, head), 1L, Long::sum);
    }

    /** A copy, so a caller may keep it while the pass goes on. */
    Skips snapshot() {
        if (count == 0) {
            return Skips.NONE;
        }
        // insertion order: reasons appear in the order they were first met
        return new Skips(count, List.copyOf(firstIds), Collections.unmodifiableMap(new LinkedHashMap<>(byReason)));
    }

    /** The rows skipped since the previous drain, in the order met. */
    List<Skipped> drain() {
        if (undrained.isEmpty()) {
            return List.of();
        }
        List<Skipped> out = undrained;
        undrained = new ArrayList<>();
        return out;
    }
}
