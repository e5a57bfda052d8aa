package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.config.ConfigException;
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

class ImageProcessorTest {
    private final ImageProcessor processor = ImageProcessor.siglipDefaults();

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
        Tensor t = new ImageProcessor(cfg).preprocess(img);
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
        assertThat(new ImageProcessor(raw).preprocess(img).toFloats()).containsExactly(200f, 100f, 0f);

        // CLIP's statistics: the float32 arithmetic of transformers' normalize()
        List<Double> mean = List.of(0.48145466, 0.4578275, 0.40821073);
        List<Double> std = List.of(0.26862954, 0.26130258, 0.27577711);
        var clip = new ImageProcessorConfig(false, new ImageProcessorConfig.Fixed(1, 1), Resample.BICUBIC,
                true, 1 / 255.0, true, mean, std);
        float[] v = new ImageProcessor(clip).preprocess(img).toFloats();
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
        var se = new ImageProcessor(new ImageProcessorConfig(true, new ImageProcessorConfig.ShortestEdge(224),
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

    /**
     * Hugging Face's center_crop written out as it is specified: pad the image with zeros to at
     * least the crop size, the image at offset ceil(extra / 2), then slice from
     * floor((H - crop) / 2) + pad. Computed here on an image whose pixels encode their coordinates.
     */
    static RgbImage referenceCenterCrop(RgbImage img, int cropH, int cropW) {
        int h = img.height(), w = img.width();
        int newH = Math.max(cropH, h), newW = Math.max(cropW, w);
        int padTop = (int) Math.ceil((newH - h) / 2.0), padLeft = (int) Math.ceil((newW - w) / 2.0);
        int[][][] canvas = new int[newH][newW][3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) canvas[y + padTop][x + padLeft][c] = img.get(x, y, c);
        int top = (int) Math.floor((h - cropH) / 2.0) + padTop, left = (int) Math.floor((w - cropW) / 2.0) + padLeft;
        byte[] out = new byte[cropH * cropW * 3];
        for (int y = 0; y < cropH; y++) for (int x = 0; x < cropW; x++) for (int c = 0; c < 3; c++) {
            out[(y * cropW + x) * 3 + c] = (byte) canvas[top + y][left + x][c];
        }
        return RgbImage.of(cropW, cropH, out);
    }

    private static RgbImage coordinates(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            px[(y * w + x) * 3] = (byte) (1 + x % 250);
            px[(y * w + x) * 3 + 1] = (byte) (1 + y % 250);
            px[(y * w + x) * 3 + 2] = (byte) (x / 250 * 16 + y / 250 + 1);
        }
        return RgbImage.of(w, h, px);
    }

    @Test
    void centerCropCutsAndPadsAsHuggingFaceDoes() {
        // larger both ways (even and odd margins), smaller one way, smaller both ways, equal
        int[][] sizes = {{300, 260}, {301, 259}, {300, 200}, {201, 300}, {100, 90}, {224, 224}};
        for (int[] wh : sizes) {
            RgbImage img = coordinates(wh[0], wh[1]);
            for (int[] crop : new int[][] {{224, 224}, {223, 225}}) {
                assertThat(ImageProcessor.centerCrop(img, crop[0], crop[1]))
                        .as("%dx%d cropped to %dx%d", wh[0], wh[1], crop[1], crop[0])
                        .isEqualTo(referenceCenterCrop(img, crop[0], crop[1]));
            }
        }
        // an odd margin leaves the extra row and column at the bottom and right
        RgbImage cut = ImageProcessor.centerCrop(coordinates(5, 5), 2, 2);
        assertThat(cut.get(0, 0, 0)).isEqualTo(1 + 1);
        assertThat(cut.get(0, 0, 1)).isEqualTo(1 + 1);
    }

    /** CLIP: shortest edge 224 (640x480 becomes 298x224), centre 224x224 (columns 37..260), CLIP's statistics. */
    @Test
    void clipProcessingIsShortestEdgeResizeThenCenterCrop() {
        RgbImage photo = Golden.rgb("photo_640x480.decoded.rgb.u8.gz");
        ImageProcessor clip = new ImageProcessor(ImageProcessorConfig.clipDefaults());
        assertThat(clip.targetSize(640, 480)).containsExactly(224, 224);
        Tensor t = clip.preprocess(photo);
        assertThat(t.shape()).containsExactly(3, 224, 224);

        RgbImage resized = PillowResize.resize(photo, 298, 224, Resample.BICUBIC);
        float[] v = t.toFloats();
        List<Double> mean = ImageProcessorConfig.clipDefaults().imageMean(), std = ImageProcessorConfig.clipDefaults().imageStd();
        for (int c = 0; c < 3; c++) for (int y = 0; y < 224; y++) for (int x = 0; x < 224; x++) {
            float p = (float) (resized.get(x + 37, y, c) * (1 / 255.0));
            float expected = (p - mean.get(c).floatValue()) / std.get(c).floatValue();
            assertThat(v[(c * 224 + y) * 224 + x]).as("c%d y%d x%d", c, y, x).isEqualTo(expected);
        }
    }

    @Test
    void aCropConfigIsReadAndItsDefaultsComeFromTheFamily() {
        String clipFile = """
                {"crop_size": {"height": 224, "width": 224}, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
                 "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 224}}""";
        assertThat(ImageProcessorConfig.parse(clipFile, "clip.json")).isEqualTo(ImageProcessorConfig.clipDefaults());
        assertThat(ImageProcessorConfig.parse("{}", "clip.json", ImageProcessorConfig.clipDefaults()))
                .isEqualTo(ImageProcessorConfig.clipDefaults());
        assertThat(ImageProcessorConfig.parse("{\"do_center_crop\": false}", "x", ImageProcessorConfig.clipDefaults()).centerCrop()).isNull();
        assertThat(ImageProcessorConfig.parse("{\"crop_size\": 196}", "x", ImageProcessorConfig.clipDefaults()).centerCrop())
                .isEqualTo(new ImageProcessorConfig.Fixed(196, 196));
        assertThat(ImageProcessorConfig.siglipDefaults().centerCrop()).isNull();
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"do_center_crop\": true}", "s.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("s.json: \"do_center_crop\" is true but \"crop_size\" is missing");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"do_center_crop\": true, \"crop_size\": [224]}", "s.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"crop_size\" must be a positive integer or an object");
    }
}
