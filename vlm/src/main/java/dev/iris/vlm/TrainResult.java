package dev.iris.vlm;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link IrisModel#train()} produced.
 *
 * @param runDir           the run folder ({@code train.output}): config, metrics.jsonl, loss curve, checkpoints
 * @param checkpoint       the final checkpoint folder (give it to {@link IrisModel#evaluate(Path)})
 * @param steps            optimizer steps made
 * @param finalLoss        the last step's loss
 * @param samplesPerSecond throughput
 * @param seconds          wall time of the run
 * @param skippedRows      dataset rows left out, by reason (unreadable image, empty caption, prompt too long, ...)
 * @param truncated        samples cut to {@code train.max_length}
 */
public record TrainResult(Path runDir, Path checkpoint, long steps, double finalLoss, double samplesPerSecond, double seconds,
                          Map<String, Long> skippedRows, long truncated) {
    /** Copies the map, so a result never changes. */
    public TrainResult {
        skippedRows = Map.copyOf(skippedRows);
    }

    /** All rows left out, whatever the reason. */
    public long skippedCount() {
        return skippedRows.values().stream().mapToLong(Long::longValue).sum();
    }
}
