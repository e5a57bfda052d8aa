package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;

/**
 * CIDEr-D on arbitrary captions: never an exception, never NaN, every score in [0, 10] (each
 * order is a clipped cosine at most 1, the length penalty at most 1), and a caption equal to its
 * only reference never scores below another hypothesis for it.
 */
class CiderDFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void scoresAreFiniteAndBounded(FuzzedDataProvider data) {
        int n = data.consumeInt(0, 6);
        List<String> hyps = new ArrayList<>(), refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hyps.add(data.consumeString(60));
            refs.add(data.consumeString(60));
        }
        CiderD.Scores s = CiderD.score(hyps, refs);
        assertThat(s.perCaption()).hasSize(n);
        for (double v : s.perCaption()) assertThat(v).isFinite().isBetween(0.0, 10.0 + 1e-9);
        assertThat(s.corpus()).isFinite().isBetween(0.0, 10.0 + 1e-9);
        if (n > 0) {
            // the reference itself as the hypothesis scores at least what the fuzzed one did
            List<String> perfect = new ArrayList<>(hyps);
            perfect.set(0, refs.get(0));
            assertThat(CiderD.score(perfect, refs).perCaption().get(0)).isGreaterThanOrEqualTo(s.perCaption().get(0) - 1e-9);
        }
    }
}
