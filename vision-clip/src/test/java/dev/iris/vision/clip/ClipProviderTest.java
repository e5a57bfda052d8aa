package dev.iris.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.iris.testkit.VisionFixtures.NO_WEIGHTS;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.vision.ImageProcessorConfig;
import dev.iris.common.vision.Resample;
import dev.iris.testkit.GraphRun;
import dev.iris.testkit.MapSection;
import dev.iris.testkit.TestWeights;
import dev.iris.testkit.VisionFixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipProviderTest {
    @TempDir
    Path tmp;

    private final ClipProvider provider = new ClipProvider();

    private static ComponentConfig vision(Path folder, Object... fields) {
        MapSection section = MapSection.of("model.vision", fields);
        section.values().put("type", "clip");
        section.values().put("path", folder.toString());
        return section;
    }

    private Path writePreset(String preset) throws IOException {
        return VisionFixtures.writePreset(provider, tmp, preset);
    }

    @Test
    void foundByServiceLoaderAsClipWithItsFields() {
        List<String> types = ServiceLoader.load(VisionEncoderProvider.class).stream().map(p -> p.get().type()).toList();
        assertThat(types).contains("clip");
        assertThat(provider.presets()).containsExactly("tiny", "clip-vit-base-patch16", "clip-vit-large-patch14-336");
        assertThat(provider.fields()).extracting(ConfigField::name)
                .containsExactly("path", "vision_feature_layer", "vision_feature_select_strategy");
        assertThat(provider.fields().get(0).isPath()).isTrue();
    }

    @Test
    void tinyPresetOpensWithLlavasSelection() throws Exception {
        ClipVisionEncoder enc = (ClipVisionEncoder) provider.create(vision(writePreset("tiny")), NO_WEIGHTS);
        assertThat(enc.config()).isEqualTo(ClipPresets.TINY_CONFIG);
        assertThat(enc.imageSize()).isEqualTo(64);
        assertThat(enc.tokens()).isEqualTo(64); // 8 x 8 patches, class token dropped; a 4x merge makes 16
        assertThat(enc.hiddenSize()).isEqualTo(64);
        assertThat(enc.selection()).isEqualTo(FeatureSelection.LLAVA);
        assertThat(enc.layersRun()).isEqualTo(2);
        ImageProcessorConfig pc = enc.processor().config();
        assertThat(pc).isEqualTo(ClipVisionEncoder.defaultsFor(enc.config()));
        assertThat(pc.size()).isEqualTo(new ImageProcessorConfig.ShortestEdge(64));
        assertThat(pc.centerCrop()).isEqualTo(new ImageProcessorConfig.Fixed(64, 64));
        assertThat(pc.resample()).isEqualTo(Resample.BICUBIC);
    }

    @Test
    void realShapePresets() throws Exception {
        ClipVisionEncoder b16 = (ClipVisionEncoder) provider.create(vision(writePreset("clip-vit-base-patch16")), NO_WEIGHTS);
        assertThat(b16.config()).isEqualTo(ClipVisionConfig.base16());
        assertThat(b16.tokens()).isEqualTo(196);
        assertThat(b16.hiddenSize()).isEqualTo(768);
        // OpenAI's bare "size": 224 / "crop_size": 224 read as CLIPImageProcessor reads them
        assertThat(b16.processor().config()).isEqualTo(ImageProcessorConfig.clipDefaults());

        Path l336 = writePreset("clip-vit-large-patch14-336");
        ClipVisionEncoder large = (ClipVisionEncoder) provider.create(vision(l336), NO_WEIGHTS);
        assertThat(large.config()).isEqualTo(ClipVisionConfig.large14At336());
        assertThat(large.imageSize()).isEqualTo(336);
        assertThat(large.tokens()).isEqualTo(576);
        assertThat(large.hiddenSize()).isEqualTo(1024);
        assertThat(large.layersRun()).isEqualTo(23);
        assertThat(large.processor().config().size()).isEqualTo(new ImageProcessorConfig.ShortestEdge(336));
        assertThat(large.processor().config().centerCrop()).isEqualTo(new ImageProcessorConfig.Fixed(336, 336));
        ClipVisionEncoder full = (ClipVisionEncoder) provider.create(
                vision(l336, "vision_feature_select_strategy", "full", "vision_feature_layer", -1), NO_WEIGHTS);
        assertThat(full.tokens()).isEqualTo(577);
        assertThat(full.layersRun()).isEqualTo(24);
    }

    @Test
    void unknownPreset() {
        assertThatThrownBy(() -> provider.presetFiles("huge"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'clip' has no preset 'huge' (presets: [tiny, clip-vit-base-patch16, clip-vit-large-patch14-336])");
    }

    @Test
    void selectionFieldsAreCheckedNamingTheirKeys() throws Exception {
        Path folder = writePreset("tiny");
        assertThatThrownBy(() -> provider.create(vision(folder, "vision_feature_select_strategy", "cls"), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.vision.vision_feature_select_strategy: expected \"default\" (drop the class"
                        + " token) or \"full\" (keep it) but got \"cls\"");
        assertThatThrownBy(() -> provider.create(vision(folder, "vision_feature_layer", 4), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.vision.vision_feature_layer: 4 is outside the tower's hidden states: it has 3"
                        + " layers, so vision_feature_layer must be between -4 and 3");
        ClipVisionEncoder first = (ClipVisionEncoder) provider.create(vision(folder, "vision_feature_layer", 1), NO_WEIGHTS);
        assertThat(first.layersRun()).isEqualTo(1);
    }

    @Test
    void missingFolderOrConfigNamesTheKeyAndTheFolder() throws Exception {
        Path missing = tmp.resolve("models/clip");
        assertThatThrownBy(() -> provider.create(vision(missing), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: folder " + missing + " does not exist");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> provider.create(vision(empty), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: " + empty + " has no config.json (is it a Hugging Face CLIP folder?)");
    }

    /** A SigLIP folder given as type: clip: refused naming model_type, whatever its other files say. */
    @Test
    void aSiglipFolderIsRefused() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("siglip"));
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["SiglipVisionModel"], "model_type": "siglip_vision_model", "hidden_size": 64,
                 "image_size": 64, "patch_size": 8}""");
        Path config = folder.resolve("config.json");
        assertThatThrownBy(() -> provider.create(vision(folder), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage(config + ": model_type is \"siglip_vision_model\", not a CLIP vision model (expected \"clip\""
                        + " or \"clip_vision_model\"); a SigLIP folder is model.vision.type: siglip");
    }

    @Test
    void aPreprocessorThatDoesNotGiveTheModelsSizeIsRefusedNamingTheFile() throws Exception {
        Path folder = writePreset("tiny");
        Path pre = folder.resolve("preprocessor_config.json");
        Files.writeString(pre, provider.presetFiles("clip-vit-base-patch16").get("preprocessor_config.json"));
        assertThatThrownBy(() -> ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "k"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(pre + ": crop_size {\"height\": 224, \"width\": 224} does not match the model's image_size 64"
                        + " (expected crop_size 64)");
        Files.writeString(pre, "{\"do_center_crop\": false}");
        assertThatThrownBy(() -> ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "k"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(pre + ": without do_center_crop the images are not 64x64 for every input (size {\"shortest_edge\": 64});"
                        + " CLIP's processor crops: set do_center_crop true and crop_size 64");
        // a fixed square resize without a crop does give the model's size
        Files.writeString(pre, "{\"do_center_crop\": false, \"size\": {\"height\": 64, \"width\": 64}}");
        assertThat(ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "k").processor().config().size())
                .isEqualTo(new ImageProcessorConfig.Fixed(64, 64));
        Files.delete(pre);
        assertThat(ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "k").processor().config())
                .isEqualTo(ClipVisionEncoder.defaultsFor(ClipPresets.TINY_CONFIG));
    }

    @Test
    void tinyEncoderRunsAnImageEndToEnd() throws Exception {
        ClipVisionEncoder enc = (ClipVisionEncoder) provider.create(vision(writePreset("tiny")), NO_WEIGHTS);
        BufferedImage img = VisionFixtures.shapesPicture();
        Tensor px = enc.preprocess(img);
        assertThat(px.shape()).containsExactly(3, 64, 64);

        Graph graph = VisionFixtures.encodeGraph(enc);
        Map<String, Tensor> w = TestWeights.random(graph, 7, VisionFixtures.VIT_INIT);
        Tensor out = GraphRun.run(graph, w, Map.of("pixels", Tensor.ofFloats(px.toFloats(), 1, 3, 64, 64)), DType.F32).get("features");
        assertThat(out.shape()).containsExactly(1, enc.tokens(), enc.hiddenSize());
        double[] pixelsD = px.toDoubles();
        double[][] expected = new NaiveClipVision(enc.config(), VisionFixtures.checkpoint(w)).features(pixelsD, -2, false);
        float[] got = out.toFloats();
        assertThat(VisionFixtures.maxDiff(got, expected)).isLessThan(1e-4);
    }
}
