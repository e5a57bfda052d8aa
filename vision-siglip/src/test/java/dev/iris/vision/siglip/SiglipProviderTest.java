package dev.iris.vision.siglip;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.vision.ImageProcessorConfig;
import dev.iris.common.vision.Resample;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.weights.MapWeightSource;
import dev.iris.runtime.weights.WeightBinder;
import dev.iris.testkit.MapSection;
import dev.iris.testkit.VisionFixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.iris.testkit.VisionFixtures.NO_WEIGHTS;

class SiglipProviderTest {
    @TempDir
    Path tmp;

    private final SiglipProvider provider = new SiglipProvider();

    private static ComponentConfig vision(Path folder) {
        return MapSection.of("model.vision", "type", "siglip", "path", folder.toString());
    }

    private Path writePreset(String preset) throws IOException {
        return VisionFixtures.writePreset(provider, tmp, preset);
    }

    @Test
    void foundByServiceLoaderAsSiglip() {
        List<String> types = ServiceLoader.load(VisionEncoderProvider.class).stream().map(p -> p.get().type()).toList();
        assertThat(types).contains("siglip");
        assertThat(provider.presets()).containsExactly("tiny", "siglip-base-patch16-224");
    }

    @Test
    void tinyPresetOpensAsTheSmallTower() throws Exception {
        VisionEncoder enc = provider.create(vision(writePreset("tiny")), NO_WEIGHTS);
        assertThat(enc.imageSize()).isEqualTo(64);
        assertThat(enc.tokens()).isEqualTo(64); // 8 x 8 patches; a 4x merge makes 16 image tokens
        assertThat(enc.hiddenSize()).isEqualTo(64);
        SiglipVisionConfig c = ((SiglipVisionEncoder) enc).config();
        assertThat(c).isEqualTo(new SiglipVisionConfig(64, 128, 2, 4, 3, 64, 8, 1e-6, "gelu_pytorch_tanh"));
        ImageProcessorConfig pc = ((SiglipVisionEncoder) enc).processor().config();
        assertThat(pc.size()).isEqualTo(new ImageProcessorConfig.Fixed(64, 64));
        assertThat(pc.resample()).isEqualTo(Resample.BICUBIC);
        assertThat(pc.rescaleFactor()).isEqualTo(1 / 255.0);
        assertThat(pc.imageMean()).containsExactly(0.5, 0.5, 0.5);
        assertThat(pc.imageStd()).containsExactly(0.5, 0.5, 0.5);
    }

    @Test
    void basePresetHasTheRealShapes() throws Exception {
        Path folder = writePreset("siglip-base-patch16-224");
        assertThat(Files.readString(folder.resolve("config.json"))).contains("\"model_type\": \"siglip_vision_model\"");
        SiglipVisionEncoder enc = (SiglipVisionEncoder) provider.create(vision(folder), NO_WEIGHTS);
        assertThat(enc.config()).isEqualTo(SiglipVisionConfig.defaults());
        assertThat(enc.tokens()).isEqualTo(196);
        assertThat(enc.hiddenSize()).isEqualTo(768);
        // the preprocessing is exactly google/siglip-base-patch16-224's
        assertThat(enc.processor().config()).isEqualTo(ImageProcessorConfig.siglipDefaults());
    }

    @Test
    void unknownPreset() {
        assertThatThrownBy(() -> provider.presetFiles("huge"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'siglip' has no preset 'huge' (presets: [tiny, siglip-base-patch16-224])");
    }

    @Test
    void missingFolderOrConfigNamesTheKeyAndTheFolder() throws Exception {
        Path missing = tmp.resolve("models/siglip");
        assertThatThrownBy(() -> provider.create(vision(missing), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: folder " + missing + " does not exist");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> provider.create(vision(empty), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: " + empty + " has no config.json (is it a Hugging Face SigLIP folder?)");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> provider.create(vision(file), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: " + file + " is not a folder");
        assertThatThrownBy(() -> provider.create(MapSection.of("model.vision", "type", "siglip"), NO_WEIGHTS))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.vision.path: required field is missing");
    }

    @Test
    void withoutPreprocessorConfigSiglipDefaultsAtTheModelsSize() throws Exception {
        Path folder = writePreset("tiny");
        Files.delete(folder.resolve("preprocessor_config.json"));
        SiglipVisionEncoder enc = SiglipVisionEncoder.open(folder);
        assertThat(enc.processor().config()).isEqualTo(SiglipVisionEncoder.defaultsFor(enc.config()));
        assertThat(enc.processor().config().size()).isEqualTo(new ImageProcessorConfig.Fixed(64, 64));
    }

    @Test
    void preprocessorSizeMustMatchImageSize() throws Exception {
        Path folder = writePreset("tiny");
        Path pre = folder.resolve("preprocessor_config.json");
        Files.writeString(pre, provider.presetFiles("siglip-base-patch16-224").get("preprocessor_config.json"));
        assertThatThrownBy(() -> SiglipVisionEncoder.open(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage(pre + ": size {\"height\": 224, \"width\": 224} does not match the model's image_size 64"
                        + " (expected do_resize true and size {\"height\": 64, \"width\": 64})");
    }

    /** SigLIP's processor never crops: a crop in its preprocessor config is refused, not applied or dropped. */
    @Test
    void aCenterCropIsRefusedNamingTheFile() throws Exception {
        Path folder = writePreset("tiny");
        Path pre = folder.resolve("preprocessor_config.json");
        Files.writeString(pre, "{\"size\": {\"height\": 64, \"width\": 64}, \"do_center_crop\": true, \"crop_size\": 64}");
        assertThatThrownBy(() -> SiglipVisionEncoder.open(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(pre + ": do_center_crop is true, but SigLIP's image processor does not crop");
    }

    @Test
    void nonRgbTowerIsRefusedNamingConfigJson() throws Exception {
        Path folder = writePreset("tiny");
        Path config = folder.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"num_channels\": 3", "\"num_channels\": 1"));
        assertThatThrownBy(() -> SiglipVisionEncoder.open(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage(config + ": num_channels is 1, but images are preprocessed to 3 channels (RGB)");
    }

    @Test
    void tinyEncoderRunsAnImageEndToEnd() throws Exception {
        SiglipVisionEncoder enc = (SiglipVisionEncoder) provider.create(vision(writePreset("tiny")), NO_WEIGHTS);
        BufferedImage img = VisionFixtures.shapesPicture();
        Tensor px = enc.preprocess(img);
        assertThat(px.shape()).containsExactly(3, 64, 64);

        Graph graph = VisionFixtures.encodeGraph(enc);
        Map<String, float[]> w = SiglipVisionTowerTest.randomWeights(enc.config(), 7);
        Map<String, Tensor> checkpoint = new LinkedHashMap<>();
        graph.weights().forEach((q, v) -> checkpoint.put(q.substring(7), Tensor.ofFloats(w.get(q.substring(7)), v.shape().sizes())));
        WeightBinder binder = new WeightBinder(Map.of("vision", new MapWeightSource(checkpoint)), 0);
        CompiledGraph compiled = OnnxCompiler.compile(graph, DType.F32, List.of());
        float[] got;
        try (GraphSession s = OrtRuntime.cpu(1).open(compiled, binder.bindAll(graph, DType.F32))) {
            Tensor out = s.run(Map.of("pixels", Tensor.ofFloats(px.toFloats(), 1, 3, 64, 64))).get("features");
            assertThat(out.shape()).containsExactly(1, enc.tokens(), enc.hiddenSize());
            got = out.toFloats();
        }
        double[][] expected = new NaiveSiglipVision(enc.config(), w).lastHiddenState(px.toFloats());
        assertThat(VisionFixtures.maxDiff(got, expected)).isLessThan(1e-4);
    }
}
