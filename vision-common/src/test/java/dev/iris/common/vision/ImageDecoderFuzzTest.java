package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.iris.api.image.InvalidImageException;

/**
 * Any bytes in: the decoder either returns an image within the pixel limit or throws
 * {@link InvalidImageException} with a reason; any other exception (or error) fails the target.
 * The seed corpus (ImageDecoderFuzzTestInputs/decoderOnlyThrowsInvalidImage, written by
 * golden/formats/make_goldens.py) holds every kind of file in the golden set, good and broken.
 *
 * <p>Regression mode (seeds only) runs under plain {@code mvn test}. To fuzz:
 * {@code JAZZER_FUZZ=1 ./mvnw test -pl vision-common -am -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest='ImageDecoderFuzzTest#decoderOnlyThrowsInvalidImage'}, with
 * {@code JAZZER_INSTRUMENTATION_INCLUDES='dev.iris.**:com.twelvemonkeys.**'} so the ImageIO plugins'
 * branches guide it too. (No JUnit {@code @Timeout}: in fuzzing mode JUnit applies it to the
 * whole run and fails it, Jazzer issue #930.)
 */
class ImageDecoderFuzzTest {
    /**
     * A small pixel limit keeps each run fast and the heap bounded (a header may claim any size
     * inside the limit); the limit check itself is the same code as for {@link ImageDecoder#MAX_PIXELS}.
     */
    private static final long FUZZ_MAX_PIXELS = 1 << 20;

    @FuzzTest(maxDuration = "5m")
    void decoderOnlyThrowsInvalidImage(byte[] data) {
        try {
            RgbImage image = ImageDecoder.decode(data, "fuzz input", FUZZ_MAX_PIXELS);
            assertThat((long) image.width() * image.height()).isBetween(1L, FUZZ_MAX_PIXELS);
            assertThat(image.pixels()).hasSize(image.width() * image.height() * 3);
        } catch (InvalidImageException e) {
            assertThat(e.reason()).isNotBlank();
            assertThat(e.getMessage()).startsWith("fuzz input: ");
        }
    }

    /**
     * Any bytes in: reading the header gives a positive size or throws {@link InvalidImageException};
     * what it says matches what the decoder finds when the decoder succeeds. (Seeds in
     * ImageDecoderFuzzTestInputs/headerOnlyThrowsInvalidImage: a copy of a few decoder seeds.)
     */
    @FuzzTest(maxDuration = "5m")
    void headerOnlyThrowsInvalidImage(byte[] data) {
        ImageHeader header;
        try {
            header = ImageHeader.read(data, "fuzz input");
        } catch (InvalidImageException e) {
            assertThat(e.getMessage()).startsWith("fuzz input: ");
            return;
        }
        assertThat(header.width()).isPositive();
        assertThat(header.height()).isPositive();
        if (header.pixels() > FUZZ_MAX_PIXELS) return;
        try {
            RgbImage image = ImageDecoder.decode(data, "fuzz input", FUZZ_MAX_PIXELS);
            assertThat(image.width()).isEqualTo(header.width());
            assertThat(image.height()).isEqualTo(header.height());
        } catch (InvalidImageException e) {
            assertThat(e.reason()).isNotBlank();   // a readable header over damaged data
        }
    }
}
