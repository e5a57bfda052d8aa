package dev.iris.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The one data-URL decoder of the report form and the chat endpoint: strict, and each problem named. */
class DataUrlTest {
    private static final byte[] BYTES = "not really a png".getBytes(StandardCharsets.US_ASCII);
    private static final String DATA = Base64.getEncoder().encodeToString(BYTES);

    @Test
    void decodesTheBytesAndTheMediaType() {
        DataUrl.Image image = DataUrl.decodeImage("DATA:Image/PNG;BASE64," + DATA);

        assertThat(image.mediaType()).isEqualTo("image/png");
        assertThat(image.bytes()).isEqualTo(BYTES);
    }

    @Test
    void eachProblemIsNamed() {
        assertProblem("http://example.com/a.png", DataUrl.Problem.NOT_A_DATA_URL, "expected a data URL");
        assertProblem("data:image/png;base64" + DATA, DataUrl.Problem.NOT_A_DATA_URL, "expected a data URL");
        assertProblem("data:image/png," + DATA, DataUrl.Problem.NOT_BASE64, "must be base64");
        assertProblem("data:text/plain;base64," + DATA, DataUrl.Problem.NOT_AN_IMAGE, "\"text/plain\"");
        assertProblem("data:;base64," + DATA, DataUrl.Problem.NOT_AN_IMAGE, "no media type");
        assertProblem("data:image/png;base64,", DataUrl.Problem.EMPTY, "holds no data");
    }

    @Test
    void base64IsStrict() {
        // a line break, a space or a stray character inside is an error, never skipped
        for (String bad : new String[] {DATA.substring(0, 8) + "\n" + DATA.substring(8), DATA.substring(0, 8) + " " + DATA.substring(8),
                DATA.substring(0, 8) + "*" + DATA.substring(8), "%%%not-base64%%%"}) {
            assertProblem("data:image/png;base64," + bad, DataUrl.Problem.MALFORMED_BASE64, "the base64 data is malformed");
        }
    }

    @Test
    void aLongOrControlCharacterLadenUrlIsShownCutAndClean() {
        String url = "javascript:\u0007" + "x".repeat(500);
        assertThatThrownBy(() -> DataUrl.decodeImage(url))
                .isInstanceOf(DataUrl.Invalid.class)
                .hasMessageContaining("javascript:?xxx")
                .hasMessageEndingWith("...\"")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120));
    }

    private static void assertProblem(String url, DataUrl.Problem problem, String said) {
        assertThatThrownBy(() -> DataUrl.decodeImage(url))
                .isInstanceOf(DataUrl.Invalid.class)
                .hasMessageContaining(said)
                .satisfies(e -> assertThat(((DataUrl.Invalid) e).problem()).isEqualTo(problem));
    }
}
