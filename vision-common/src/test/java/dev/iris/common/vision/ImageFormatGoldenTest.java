package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.image.InvalidImageException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kind of image the decoder reads, against Pillow 9.4's {@code Image.open(f).convert("RGB")}
 * (files and the script that made them in src/test/resources/golden/formats). Every value must
 * match, except two cases where the Java decoder cannot do what Pillow's C libraries do:
 * <ul>
 *   <li>lossy WebP: TwelveMonkeys repeats each chroma sample over 2x2 pixels and converts YUV with
 *       its own tables, where libwebp interpolates chroma ("fancy upsampling") with its own fixed
 *       point. The plugin does not expose the YUV planes, so this cannot be corrected afterwards;</li>
 *   <li>4:4:0 JPEG (chroma halved vertically only, rare): libjpeg-turbo 2.1 interpolates it, the
 *       JDK's libjpeg 6b repeats it. All other JPEG subsamplings match exactly.</li>
 * </ul>
 * Their bounds below are what was measured on these files (the 29x19 ones are deliberately hard:
 * noise and saturated edges), so any change in the decoder shows.
 */
class ImageFormatGoldenTest {
    /** file: {largest difference, mean difference} measured against Pillow; all other files: 0. */
    private static final Map<String, double[]> MEASURED = Map.of(
            "formats/lossy_29x19.webp", new double[] {85, 10.10},
            "formats/lossy_alpha_29x19.webp", new double[] {98, 11.29},
            "formats/animated_lossy_29x19.webp", new double[] {80, 10.41},
            "formats/lossy_photo_96x72.webp", new double[] {70, 5.05},
            "formats/q90_440_29x19.jpg", new double[] {63, 8.03},
            "formats/q90_440_photo_96x72.jpg", new double[] {57, 3.20});

    @TestFactory
    Stream<DynamicTest> decodesLikePillow() {
        List<Golden.Format> formats = Golden.formats();
        assertThat(formats).hasSizeGreaterThanOrEqualTo(45);
        assertThat(formats.stream().map(Golden.Format::file)).containsAll(MEASURED.keySet());
        return formats.stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            RgbImage expected = Golden.rgb(f.rgbPixels());
            RgbImage out = ImageDecoder.read(Files.readAllBytes(Golden.file(f.file())), f.file());
            assertThat(out.width()).isEqualTo(expected.width());
            assertThat(out.height()).isEqualTo(expected.height());
            byte[] a = out.pixels(), b = expected.pixels();
            double[] bound = MEASURED.get(f.file());
            if (bound == null) {
                assertThat(Golden.diff(a, b)).as("%s: values differing from Pillow", f).isZero();
                return;
            }
            int max = 0;
            long sum = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
                max = Math.max(max, d);
                sum += d;
            }
            assertThat(max).as("%s: largest difference from Pillow", f).isLessThanOrEqualTo((int) bound[0]);
            assertThat((double) sum / a.length).as("%s: mean difference from Pillow", f).isLessThanOrEqualTo(bound[1]);
        }));
    }

    @TestFactory
    Stream<DynamicTest> refusesWhatPillowRefuses() {
        List<Golden.Broken> broken = Golden.broken();
        assertThat(broken).hasSizeGreaterThanOrEqualTo(8);
        return broken.stream().map(f -> DynamicTest.dynamicTest(f.file() + " (Pillow: " + f.pillowError() + ")", () -> {
            byte[] bytes = Files.readAllBytes(Golden.file(f.file()));
            assertThatThrownBy(() -> ImageDecoder.read(bytes, f.file()))
                    .isExactlyInstanceOf(InvalidImageException.class)
                    .hasMessageStartingWith(f.file() + ": ");
        }));
    }

    @Test
    void cmykFormulaIsPillows() {
        // Pillow 9.4: Image.new("CMYK", (1, 1), (c, m, y, k)).convert("RGB")
        assertThat(RgbImage.cmykToRgb(0, 0)).isEqualTo(255);
        assertThat(RgbImage.cmykToRgb(255, 0)).isEqualTo(0);
        assertThat(RgbImage.cmykToRgb(0, 255)).isEqualTo(0);
        assertThat(RgbImage.cmykToRgb(100, 50)).isEqualTo(125);
        assertThat(RgbImage.cmykToRgb(200, 10)).isEqualTo(53);
    }
}
