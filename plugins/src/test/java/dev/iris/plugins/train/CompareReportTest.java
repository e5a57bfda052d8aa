package dev.iris.plugins.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The table and the "what this means" paragraph, from figures made up for the purpose (A projector vs B cross-attention). */
class CompareReportTest {
    static Compare.Side side(String name, String type, int imageTokens, int promptTokens, long params, double accuracy, double decodeMs,
                             boolean textOnly) {
        return new Compare.Side(name, type, "x: 1", Path.of(name + ".yaml"), true, Path.of(name, "final"),
                Optional.of(100L), Optional.of(50.0), Optional.of(2.0), Optional.of(0.1),
                200, 0.2, Math.exp(0.2), 0.8, 0.9, Optional.of(accuracy),
                imageTokens, promptTokens, params, 1.0, 2.0, decodeMs,
                Optional.of(600.0), Optional.of(500.0), 12.0, textOnly, List.of());
    }

    @Test
    void crossAttentionAddsNoTokensAndTheClearWinnerIsNamed() {
        Compare.Side a = side("A", "projector", 16, 36, 100_000, 0.95, 1.0, true);
        Compare.Side b = side("B", "crossattn", 0, 20, 300_000, 0.60, 2.0, false);
        String m = CompareReport.meaning(a, b);
        assertThat(m).contains("B adds no tokens to the context", "A adds 16 per image", "36 tokens long against 20",
                "A was more accurate (95.0% against 60.0%", "A decodes faster (1.00 against 2.00 ms per token",
                "A trains fewer parameters (100,000 against 300,000)",
                "With B, text-only prompts do not give exactly the base LLM's output");
        String t = CompareReport.table(a, b);
        assertThat(t).startsWith("| figure | A (projector) | B (crossattn) |\n|---|---:|---:|\n")
                .contains("| tokens each image adds to the context | 16 | 0 |", "| held-out fully correct (shapes) | 95.0% | 60.0% |",
                        "| text-only prompts give exactly the base LLM's output | yes | no |", "| trainable parameters | 100,000 | 300,000 |");
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
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10, 0.3, Math.exp(0.3), 0.5, 0.6, Optional.empty(),
                16, 36, 1000, 1.0, 2.0, Double.NaN, Optional.empty(), Optional.empty(), 10.0, true, List.of());
        String t = CompareReport.table(a, loaded);
        assertThat(t).contains("| trained in this run | yes | no (checkpoint loaded) |", "| training samples/s | 50.0 | n/a |",
                "| held-out fully correct (shapes) | 50.0% | n/a |", "| decode (ms per token, median) | 1.00 | n/a |");
        // without accuracy on both sides the captions' scores decide
        assertThat(CompareReport.meaning(a, loaded)).contains("captions match the references");
    }
}
