package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CLIPImageProcessor's geometry against Pillow: the shortest edge resized as transformers sizes it
 * ({@code default_to_square=False}), bicubic, then center-cropped with transformers' rounding (and
 * its black padding where the image is smaller than the crop). The expected pixels are Pillow
 * 9.4's, written by {@code golden/clip/make_clip_golden.py}; not one value may differ.
 */
class ClipProcessorGoldenTest {

    record Case(String name, String input, int edge, int cropHeight, int cropWidth, int resizedWidth, int resizedHeight,
                String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        try {
            List<String> lines = Files.readAllLines(Golden.file("clip/cases.tsv"));
            return lines.stream().filter(l -> !l.isBlank()).map(l -> l.split("\t")).map(f -> new Case(f[0], f[1],
                    Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                    Integer.parseInt(f[6]), f[7]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ImageProcessorConfig clip(int edge, ImageProcessorConfig.Fixed crop) {
        ImageProcessorConfig d = ImageProcessorConfig.clipDefaults();
        return new ImageProcessorConfig(true, new ImageProcessorConfig.ShortestEdge(edge), d.resample(), d.doRescale(),
                d.rescaleFactor(), d.doNormalize(), d.imageMean(), d.imageStd(), crop);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resizeAndCropGivePillowsPixelsExactly(Case c) {
        RgbImage input = ImageDecoder.read(Golden.file("clip/" + c.input()));
        RgbImage resized = new ImageProcessor(clip(c.edge(), null)).resize(input);
        assertThat(new int[] {resized.width(), resized.height()}).as("size after the shortest-edge resize")
                .containsExactly(c.resizedWidth(), c.resizedHeight());

        ImageProcessor processor = new ImageProcessor(clip(c.edge(), new ImageProcessorConfig.Fixed(c.cropHeight(), c.cropWidth())));
        RgbImage cropped = processor.resize(input);
        Golden.Pixels expected = Golden.pixels("clip/" + c.expected());
        assertThat(new int[] {cropped.width(), cropped.height()}).containsExactly(expected.width(), expected.height());
        assertThat(Golden.diff(cropped.data(), expected.data())).as("differing values").isZero();

        // rescale and normalise act on exactly those pixels, in transformers' float order
        Tensor t = processor.preprocess(input);
        assertThat(t.shape()).containsExactly(3, c.cropHeight(), c.cropWidth());
        float[] v = t.toFloats();
        List<Double> mean = ImageProcessorConfig.clipDefaults().imageMean(), std = ImageProcessorConfig.clipDefaults().imageStd();
        int plane = c.cropHeight() * c.cropWidth();
        for (int ch = 0; ch < 3; ch++) for (int i = 0; i < plane; i++) {
            float p = (float) ((expected.data()[3 * i + ch] & 0xff) * (1 / 255.0));
            assertThat(v[ch * plane + i]).isEqualTo((p - mean.get(ch).floatValue()) / std.get(ch).floatValue());
        }
    }
}
