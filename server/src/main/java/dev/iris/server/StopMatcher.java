package dev.iris.server;

import java.util.List;
import java.util.function.Consumer;

/**
 * Applies OpenAI's {@code stop} sequences to text as it streams: text is passed on as soon as
 * it cannot be the start of a stop sequence; when one appears, the text before it is passed on
 * and generation is stopped (the stop text itself is never returned).
 */
final class StopMatcher {
    private final List<String> stops;
    private final Consumer<String> out;
    private final StringBuilder held = new StringBuilder();
    private final StringBuilder all = new StringBuilder();   // everything the model wrote, for token counts

    StopMatcher(List<String> stops, Consumer<String> out) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.out = out;
    }

    /** Takes the next piece; throws {@link GenerationStopped} (STOP_SEQUENCE) when a stop sequence is complete. */
    void accept(String piece) {
        all.append(piece);
        if (stops.isEmpty()) {
            out.accept(piece);
            return;
        }
        held.append(piece);
        int at = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        if (at >= 0) {
            if (at > 0) out.accept(held.substring(0, at));
            held.setLength(0);
            throw new GenerationStopped(GenerationStopped.Reason.STOP_SEQUENCE, null);
        }
        int keep = 0;   // the longest tail that may still grow into a stop sequence
        String h = held.toString();
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, h.length()); k > keep; k--) {
                if (h.regionMatches(h.length() - k, s, 0, k)) {
                    keep = k;
                    break;
                }
            }
        }
        int free = held.length() - keep;
        if (free > 0) {
            out.accept(held.substring(0, free));
            held.delete(0, free);
        }
    }

    /** The generation ended by itself: what was held back is text after all. */
    void finish() {
        if (!held.isEmpty()) out.accept(held.toString());
        held.setLength(0);
    }

    /** All text the model produced, stop sequence included. */
    String produced() {
        return all.toString();
    }
}
