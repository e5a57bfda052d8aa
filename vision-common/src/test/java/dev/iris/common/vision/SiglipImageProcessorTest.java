package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class SiglipImageProcessorTest {
    private final SiglipImageProcessor processor = SiglipImageProcessor.siglipDefaults();

    /** Hugging Face's arithmetic: float64 rescale cast to float32, then float32 (x - 0.5) / 0.5. */
    static float hfNormalised(int p) {
        float x = (float) (p * 0.00392156862745098);
        return (x - 0.5f) / 0.5f;
    }

    @TestFactory
    Stream<DynamicTest> decodingMatchesPillowConvertRgbExactly() {
        return Golden.inputs().stream().filter(in -> in.file().endsWith(".png")).map(in ->
                DynamicTest.dynamicTest(in.file() + " (" + in.pilMode() + ")", () -> {
                    RgbImage java = ImageDecoder.read(Golden.file(in.file()));
                    RgbImage pil = Golden.rgb(in.rgbPixels());
                    assertThat(java.width()).isEqualTo(pil.width());
                    assertThat(java.height()).isEqualTo(pil.height());
                    assertThat(Golden.diff(java.pixels(), pil.pixels())).as("bytes differing from PIL").isZero();
                }));
    }

    /** Every 224x224 bicubic golden case whose input is a PNG, run through the whole processor from the file. */
    @TestFactory
    Stream<DynamicTest> fullProcessorFromPngMatchesNormalisedGoldenPixels() {
        Map<String, String> fileByPixels = Golden.inputs().stream()
                .collect(Collectors.toMap(Golden.Input::rgbPixels, Golden.Input::file));
        List<Golden.Case> cases = Golden.cases().stream()
                .filter(c -> c.width() == 224 && c.height() == 224 && c.filter() == Resample.BICUBIC)
                .filter(c -> fileByPixels.get(c.input()).endsWith(".png"))
                .toList();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(8);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Tensor t = processor.preprocess(Golden.file(fileByPixels.get(c.input())));
            assertNormalisedEquals(t, Golden.rgb(c.expected()));
        }));
    }

    @Test
    void jpegThroughPillowDecodedPixelsMatchesGolden() {
        // the resize check on its own, from PIL's decode
        RgbImage decoded = Golden.rgb("photo_640x480.decoded.rgb.u8.gz");
        Tensor t = processor.preprocess(decoded);
        assertNormalisedEquals(t, Golden.rgb("photo_224_bicubic.u8.gz"));
    }

    @Test
    void javaJpegDecodeMatchesPillowsExactly() {
        // the JPEG's raw samples converted as libjpeg converts them (JpegSamples): no difference left
        RgbImage java = ImageDecoder.read(Golden.file("photo_640x480.jpg"));
        RgbImage pil = Golden.rgb("photo_640x480.decoded.rgb.u8.gz");
        assertThat(java.width()).isEqualTo(640);
        assertThat(java.height()).isEqualTo(480);
        assertThat(Golden.diff(java.pixels(), pil.pixels())).as("values differing from Pillow's decode").isZero();
        assertThat(processor.preprocess(Golden.file("photo_640x480.jpg")).toFloats())
                .isEqualTo(processor.preprocess(pil).toFloats());
    }

    @Test
    void bytesAndFileAndBufferedImageGiveTheSameTensor() throws Exception {
        var file = Golden.file("rgba_50x70.png");
        float[] fromFile = processor.preprocess(file).toFloats();
        float[] fromBytes = processor.preprocess(Files.readAllBytes(file)).toFloats();
        float[] fromImage = processor.preprocess(javax.imageio.ImageIO.read(file.toFile())).toFloats();
        assertThat(fromBytes).isEqualTo(fromFile);
        assertThat(fromImage).isEqualTo(fromFile);
    }

    @Test
    void outputIsChannelFirstRgb() {
        // a 2x1 image: red then blue; resize off so positions are easy to read
        var cfg = new ImageProcessorConfig(false, new ImageProcessorConfig.Fixed(224, 224), Resample.BICUBIC,
                true, 1 / 255.0, true, List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5));
        RgbImage img = RgbImage.of(2, 1, new byte[] {(byte) 255, 0, 0, 0, 0, (byte) 255});
        Tensor t = new SiglipImageProcessor(cfg).preprocess(img);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.shape()).containsExactly(3, 1, 2);
        // planes R, G, B; within a plane row-major
        assertThat(t.toFloats()).containsExactly(1f, -1f, -1f, -1f, -1f, 1f);
    }

    @Test
    void rescaleAndNormaliseCanBeSwitchedOffAndUseTheirOwnValues() {
        RgbImage img = RgbImage.of(1, 1, new byte[] {(byte) 200, 100, 0});
        var raw = new ImageProcessorConfig(false, new ImageProcessorConfig.Fixed(1, 1), Resample.BICUBIC,
                false, 1 / 255.0, false, List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5));
        assertThat(new SiglipImageProcessor(raw).preprocess(img).toFloats()).containsExactly(200f, 100f, 0f);

        // CLIP's statistics: the float32 arithmetic of transformers' normalize()
        List<Double> mean = List.of(0.48145466, 0.4578275, 0.40821073);
        List<Double> std = List.of(0.26862954, 0.26130258, 0.27577711);
        var clip = new ImageProcessorConfig(false, new ImageProcessorConfig.Fixed(1, 1), Resample.BICUBIC,
                true, 1 / 255.0, true, mean, std);
        float[] v = new SiglipImageProcessor(clip).preprocess(img).toFloats();
        int[] p = {200, 100, 0};
        for (int c = 0; c < 3; c++) {
            float x = (float) (p[c] * (1 / 255.0));
            assertThat(v[c]).isEqualTo((x - mean.get(c).floatValue()) / std.get(c).floatValue());
            assertThat((double) v[c]).isCloseTo((p[c] / 255.0 - mean.get(c)) / std.get(c), within(1e-5));
        }
    }

    @Test
    void targetSizes() {
        assertThat(processor.targetSize(640, 480)).containsExactly(224, 224);
        var se = new SiglipImageProcessor(new ImageProcessorConfig(true, new ImageProcessorConfig.ShortestEdge(224),
                Resample.BICUBIC, true, 1 / 255.0, true, List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5)));
        assertThat(se.targetSize(640, 480)).containsExactly(224, 298); // int(224 * 640 / 480) = 298
        assertThat(se.targetSize(480, 640)).containsExactly(298, 224);
        assertThat(se.targetSize(37, 23)).containsExactly(224, 360); // int(224 * 37 / 23) = int(360.347...)
        assertThat(se.targetSize(100, 100)).containsExactly(224, 224);
        Tensor t = se.preprocess(RgbImage.of(37, 23, new byte[37 * 23 * 3]));
        assertThat(t.shape()).containsExactly(3, 224, 360);
    }

    private static void assertNormalisedEquals(Tensor t, RgbImage expectedPixels) {
        int h = expectedPixels.height(), w = expectedPixels.width();
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.shape()).containsExactly(3, h, w);
        float[] v = t.toFloats();
        int mismatches = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = expectedPixels.get(x, y, c);
                    float got = v[(c * h + y) * w + x];
                    if (Float.floatToIntBits(got) != Float.floatToIntBits(hfNormalised(p))) mismatches++;
                    // independent of the float32 details: p / 127.5 - 1
                    assertThat((double) got).isCloseTo(p / 127.5 - 1, within(1e-6));
                }
            }
        }
        assertThat(mismatches).as("values differing from transformers' float32 result").isZero();
    }
}
