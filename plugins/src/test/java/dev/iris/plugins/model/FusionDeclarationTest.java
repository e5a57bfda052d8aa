package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Fusion;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** The host checks a fusion's declaration against its token count, and keeps image positions out of the embedding lookup. */
class FusionDeclarationTest {

    private static Fusion declaring(boolean places, boolean everyStep, int tokens) {
        return (Fusion) Proxy.newProxyInstance(Fusion.class.getClassLoader(), new Class<?>[] {Fusion.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "placesTokensInPrompt" -> places;
                    case "readsImageEveryStep" -> everyStep;
                    case "imageTokens" -> tokens;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aTokenCountThatContradictsTheDeclarationIsRefusedNamingTheFusion() {
        VisionLanguageModel.checkDeclared("a", declaring(true, false, 16));
        VisionLanguageModel.checkDeclared("b", declaring(false, true, 0));
        VisionLanguageModel.checkDeclared("both", declaring(true, true, 4));
        VisionLanguageModel.checkDeclared("neither", declaring(false, false, 0));
        assertThatThrownBy(() -> VisionLanguageModel.checkDeclared("odd", declaring(true, false, 0)))
                .isInstanceOf(IrisException.class)
                .hasMessage("the odd fusion places image tokens in the prompt but says each image adds 0 of them");
        assertThatThrownBy(() -> VisionLanguageModel.checkDeclared("odd", declaring(false, true, 3)))
                .isInstanceOf(IrisException.class)
                .hasMessage("the odd fusion does not place image tokens in the prompt but says each image adds 3 of them");
    }

    @Test
    void imagePositionsReadRowZeroAndTakeTheImageRowsInOrder() {
        long pad = 1_000_000;
        long[] ids = {5, pad, pad, 7, pad, 9};
        long[] splice = PrefillFeeds.spliceIndex(ids, ids.length, pad);
        assertThat(splice).containsExactly(0, 6, 7, 3, 8, 5);
        // a pad the model generated after a 3-token prompt is text, as in cached decoding
        assertThat(PrefillFeeds.spliceIndex(ids, 3, pad)).containsExactly(0, 6, 7, 3, 4, 5);
        assertThat(PrefillFeeds.embeddable(ids, splice)).containsExactly(5, 0, 0, 7, 0, 9);
        assertThat(ids).containsExactly(5, pad, pad, 7, pad, 9);   // the prompt itself is left alone
    }
}
