package dev.iris.vlm;

import java.nio.file.Path;
import java.util.Map;

/**
 * Scores of a checkpoint on the held-out split ({@code train.eval_dataset}), as {@code iris eval} prints them.
 *
 * @param checkpoint  the checkpoint evaluated
 * @param examples    held-out examples used
 * @param heldOutLoss mean loss over the answer tokens
 * @param perplexity  {@code exp(heldOutLoss)}
 * @param bleu4       BLEU-4 of the greedy answers against the references
 * @param rougeL      ROUGE-L
 * @param ciderD      CIDEr-D
 * @param taskScores  the dataset's own metrics by key (e.g. shapes accuracy), when it declares any
 * @param skippedRows held-out rows left out, by reason
 * @param seconds     wall time
 */
public record Evaluation(Path checkpoint, int examples, double heldOutLoss, double perplexity, double bleu4, double rougeL, double ciderD,
                         Map<String, Double> taskScores, Map<String, Long> skippedRows, double seconds) {
    /** Copies the maps, so an evaluation never changes. */
    public Evaluation {
        taskScores = Map.copyOf(taskScores);
        skippedRows = Map.copyOf(skippedRows);
    }
}
