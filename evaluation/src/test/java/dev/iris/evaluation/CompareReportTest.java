package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.Dataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The table and the "what this means" paragraph, from figures made up for the purpose (A projector vs B cross-attention). */
class CompareReportTest {
    static final String SHAPES = "held-out fully correct (shapes)";

    static Compare.Side side(String name, String type, int imageTokens, int promptTokens, long params, double accuracy, double decodeMs,
                             boolean textOnly) {
        // as the two fusions shipped declare themselves: crossattn reads the image at every step, projector does not
        return side(name, type, imageTokens, type.equals("crossattn"), promptTokens, params, accuracy, decodeMs, textOnly);
    }

    static Compare.Side side(String name, String type, int imageTokens, boolean readsEveryStep, int promptTokens, long params, double accuracy,
                             double decodeMs, boolean textOnly) {
        return new Compare.Side(name, type, "x: 1", Path.of(name + ".yaml"), true, Path.of(name, "final"),
                Optional.of(100L), Optional.of(50.0), Optional.of(2.0), Optional.of(0.1),
                200, 0.2, Math.exp(0.2), 0.8, 0.9, 1.5, List.of(new Evaluator.TaskScore("shapes_accuracy", SHAPES, accuracy, 200)),
                Dataset.Skips.NONE,
                imageTokens, readsEveryStep, promptTokens, params, 1.0, 2.0, decodeMs,
                Optional.of(600.0), Optional.of(500.0), 12.0, textOnly, List.of());
    }

    @Test
    void crossAttentionAddsNoTokensAndTheClearWinnerIsNamed() {
        Compare.Side a = side("A", "projector", 16, 36, 100_000, 0.95, 1.0, true);
        Compare.Side b = side("B", "crossattn", 0, 20, 300_000, 0.60, 2.0, false);
        String m = CompareReport.meaning(a, b);
        assertThat(m).contains("B adds no tokens to the context", "A adds 16 per image", "36 tokens long against 20",
                "A was more accurate (95.0% against 60.0%, held-out fully correct (shapes)", "A decodes faster (1.00 against 2.00 ms per token",
                "A trains fewer parameters (100,000 against 300,000)",
                "With B, text-only prompts do not give exactly the base LLM's output");
        String t = CompareReport.table(a, b);
        assertThat(t).startsWith("| figure | A (projector) | B (crossattn) |\n|---|---:|---:|\n")
                .contains("| tokens each image adds to the context | 16 | 0 |", "| held-out fully correct (shapes) | 95.0% | 60.0% |",
                        "| text-only prompts give exactly the base LLM's output | yes | no |", "| trainable parameters | 100,000 | 300,000 |");
    }

    @Test
    void howAFusionReadsTheImageIsWhatItDeclaredNotTheTokenCount() {
        // a fusion with no tokens that does not read the image at every step is not described as cross-attention
        Compare.Side a = side("A", "projector", 16, false, 36, 1000, 0.5, 1.0, true);
        Compare.Side quiet = side("B", "other", 0, false, 20, 1000, 0.5, 1.0, true);
        assertThat(CompareReport.meaning(a, quiet)).contains("B adds no tokens to the context, while A adds 16 per image")
                .doesNotContain("decoder layers");
        // one that places tokens and also reads the image at every step says both
        Compare.Side both = side("B", "other", 16, true, 36, 1000, 0.5, 1.0, false);
        assertThat(CompareReport.meaning(a, both)).contains("Both add 16 tokens per image",
                "B also reads the image inside the decoder layers at every step, besides its tokens in the prompt.");
    }

    @Test
    void smallDifferencesAreCalledTies() {
        Compare.Side a = side("A", "projector", 16, 36, 1000, 0.50, 1.00, true);
        Compare.Side b = side("B", "projector", 16, 36, 1000, 0.52, 1.04, true);
        String m = CompareReport.meaning(a, b);
        assertThat(m).contains("Both add 16 tokens per image", "within the noise", "Both decode at about the same speed",
                "Both train 1,000 parameters", "With both, text-only prompts give exactly the base LLM's output");
    }

    @Test
    void missingFiguresShowAsNotAvailable() {
        Compare.Side a = side("A", "projector", 16, 36, 1000, 0.5, 1.0, true);
        Compare.Side loaded = new Compare.Side("B", "projector", "x: 1", Path.of("b.yaml"), false, Path.of("ckpt"),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10, 0.3, Math.exp(0.3), 0.5, 0.6, 1.2, List.of(),
                new Dataset.Skips(2, List.of("r1", "r2"), java.util.Map.of("undecodable image: WebP is not supported", 2L)),
                16, false, 36, 1000, 1.0, 2.0, Double.NaN, Optional.empty(), Optional.empty(), 10.0, true, List.of());
        String t = CompareReport.table(a, loaded);
        assertThat(t).contains("| trained in this run | yes | no (checkpoint loaded) |", "| training samples/s | 50.0 | n/a |",
                "| held-out fully correct (shapes) | 50.0% | n/a |", "| decode (ms per token, median) | 1.00 | n/a |",
                "| CIDEr-D | 1.500 | 1.200 |", "| held-out rows skipped | 0 | 2 |");
        // without accuracy on both sides the captions' scores decide
        assertThat(CompareReport.meaning(a, loaded)).contains("captions match the references");
    }

    @Test
    void withoutATaskMetricTheTableHasNoAccuracyRowAndCiderDecides() {
        Compare.Side a = new Compare.Side("A", "projector", "x: 1", Path.of("a.yaml"), true, Path.of("a", "final"),
                Optional.of(10L), Optional.of(5.0), Optional.of(1.0), Optional.of(0.5), 20, 2.0, Math.exp(2.0), 0.10, 0.30, 0.90, List.of(),
                Dataset.Skips.NONE, 16, false, 36, 1000, 1.0, 2.0, 1.0, Optional.empty(), Optional.empty(), 10.0, true, List.of());
        Compare.Side b = new Compare.Side("B", "projector", "x: 2", Path.of("b.yaml"), true, Path.of("b", "final"),
                Optional.of(10L), Optional.of(5.0), Optional.of(1.0), Optional.of(0.5), 20, 2.5, Math.exp(2.5), 0.10, 0.31, 0.40, List.of(),
                Dataset.Skips.NONE, 16, false, 36, 1000, 1.0, 2.0, 1.0, Optional.empty(), Optional.empty(), 10.0, true, List.of());
        assertThat(CompareReport.table(a, b)).doesNotContain("fully correct").contains("| CIDEr-D | 0.900 | 0.400 |");
        assertThat(CompareReport.rows(a, b)).hasSameSizeAs(CompareReport.ROWS);
        assertThat(CompareReport.meaning(a, b)).contains("A's captions match the references better (CIDEr-D 0.900 against 0.400), with a lower held-out loss");
    }
}
