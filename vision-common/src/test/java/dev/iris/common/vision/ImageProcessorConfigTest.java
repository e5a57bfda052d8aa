package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProcessorConfigTest {
    @TempDir
    Path tmp;

    @Test
    void siglipBaseConfigFile() throws Exception {
        Path f = Path.of(getClass().getResource("/config/siglip-base-patch16-224.json").toURI());
        ImageProcessorConfig c = ImageProcessorConfig.load(f);
        assertThat(c).isEqualTo(ImageProcessorConfig.siglipDefaults());
        assertThat(c.size()).isEqualTo(new ImageProcessorConfig.Fixed(224, 224));
        assertThat(c.resample()).isEqualTo(Resample.BICUBIC);
        // the JSON literal and 1/255 are the same double, as in Python
        assertThat(c.rescaleFactor()).isEqualTo(1 / 255.0);
    }

    @Test
    void missingKeysTakeSiglipDefaults() {
        assertThat(ImageProcessorConfig.parse("{}", "empty.json")).isEqualTo(ImageProcessorConfig.siglipDefaults());
        assertThat(ImageProcessorConfig.parse("{\"resample\": null, \"size\": null}", "nulls.json"))
                .isEqualTo(ImageProcessorConfig.siglipDefaults());
        ImageProcessorConfig c = ImageProcessorConfig.parse("{\"size\": {\"height\": 384, \"width\": 320}, \"resample\": 2}", "x");
        assertThat(c.size()).isEqualTo(new ImageProcessorConfig.Fixed(384, 320));
        assertThat(c.resample()).isEqualTo(Resample.BILINEAR);
        assertThat(c.doRescale()).isTrue();
        assertThat(c.imageMean()).containsExactly(0.5, 0.5, 0.5);
    }

    @Test
    void otherSizeFormsAndStatistics() {
        ImageProcessorConfig clip = ImageProcessorConfig.parse("""
                {"crop_size": {"height": 224, "width": 224}, "do_center_crop": true,
                 "do_normalize": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711],
                 "resample": 3, "rescale_factor": 0.00392156862745098,
                 "size": {"shortest_edge": 224}}""", "clip.json");
        assertThat(clip.size()).isEqualTo(new ImageProcessorConfig.ShortestEdge(224));
        assertThat(clip.imageStd()).containsExactly(0.26862954, 0.26130258, 0.27577711);

        assertThat(ImageProcessorConfig.parse("{\"size\": 256}", "x").size()).isEqualTo(new ImageProcessorConfig.Fixed(256, 256));
        // OpenAI's CLIP folders write "size": 224 and "crop_size": 224: for CLIP a bare size is the shortest edge
        ImageProcessorConfig openai = ImageProcessorConfig.parse("""
                {"crop_size": 336, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 336}""",
                "clip.json", ImageProcessorConfig.clipDefaults());
        assertThat(openai.size()).isEqualTo(new ImageProcessorConfig.ShortestEdge(336));
        assertThat(openai.centerCrop()).isEqualTo(new ImageProcessorConfig.Fixed(336, 336));
        ImageProcessorConfig scalar = ImageProcessorConfig.parse("{\"image_mean\": 0.25, \"image_std\": 2, \"do_normalize\": false}", "x");
        assertThat(scalar.imageMean()).containsExactly(0.25, 0.25, 0.25);
        assertThat(scalar.imageStd()).containsExactly(2.0, 2.0, 2.0);
        assertThat(scalar.doNormalize()).isFalse();
    }

    @Test
    void unknownResampleNamesFileAndValue() throws Exception {
        Path f = Files.writeString(tmp.resolve("preprocessor_config.json"), "{\"resample\": 7}");
        assertThatThrownBy(() -> ImageProcessorConfig.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessage(f + ": \"resample\" 7 is not a Pillow filter"
                        + " (expected 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX or 5 HAMMING)");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"resample\": \"bicubic\"}", "p.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("p.json: \"resample\" must be a Pillow filter code 0..5, found the string \"bicubic\"");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"resample\": 2.5}", "p.json"))
                .hasMessageContaining("found the number 2.5");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"do_resize\": \"yes\"}", "a.json"))
                .hasMessage("a.json: \"do_resize\" must be true or false, found the string \"yes\"");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"size\": {\"height\": 224}}", "a.json"))
                .hasMessage("a.json: \"size\" needs both \"height\" and \"width\", found [height]");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"size\": {\"height\": 0, \"width\": 4}}", "a.json"))
                .hasMessage("a.json: \"size.height\" must be a positive integer, found the number 0");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"size\": {\"shortest_edge\": 224, \"height\": 3}}", "a.json"))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"size\": {\"shortest_edge\": 224, \"longest_edge\": 500}}", "a.json"))
                .hasMessageContaining("\"longest_edge\" is not supported");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"image_mean\": [0.5, 0.5]}", "a.json"))
                .hasMessage("a.json: \"image_mean\" must be a number or a list of 3 numbers, found an array");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"image_std\": [0.5, 0, 0.5]}", "a.json"))
                .hasMessage("a.json: image_std must not contain 0, got [0.5, 0.0, 0.5]");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\"rescale_factor\": true}", "a.json"))
                .hasMessage("a.json: \"rescale_factor\" must be a number, found true");
    }

    @Test
    void badJsonAndBadFiles() throws Exception {
        assertThatThrownBy(() -> ImageProcessorConfig.parse("{\n  \"do_resize\": true,\n}", "b.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("b.json: bad JSON at line 3, column 1: expected a string key");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("[1, 2]", "b.json"))
                .hasMessage("b.json: expected a JSON object at the top level, found an array");
        assertThatThrownBy(() -> ImageProcessorConfig.parse("", "b.json"))
                .hasMessage("b.json: bad JSON at line 1, column 1: unexpected end of input");
        Path missing = tmp.resolve("preprocessor_config.json");
        assertThatThrownBy(() -> ImageProcessorConfig.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("preprocessor config " + missing + " does not exist");
        Path latin1 = Files.write(tmp.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xe9, '"', ':', '1', '}'});
        assertThatThrownBy(() -> ImageProcessorConfig.load(latin1)).hasMessageContaining("is not valid UTF-8");
    }

    @Test
    void recordValidation() {
        assertThatThrownBy(() -> new ImageProcessorConfig(true, new ImageProcessorConfig.Fixed(1, 1), Resample.BICUBIC,
                true, 1, true, List.of(0.5), List.of(0.5, 0.5, 0.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 3 values");
        assertThatThrownBy(() -> new ImageProcessorConfig.Fixed(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
