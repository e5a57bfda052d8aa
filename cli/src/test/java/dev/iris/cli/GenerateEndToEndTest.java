package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.api.weights.WeightSource;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `iris init --preset tiny` then `iris generate` on its output, in process, with the real plugins. */
class GenerateEndToEndTest {
    @TempDir
    static Path dir;
    static Path models, image;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void initTinyModels() throws Exception {
        models = dir.resolve("tiny");
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "init", "--preset", "tiny", "--out", models.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(models.resolve("iris.yaml")).exists();
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json")) assertThat(models.resolve("vision").resolve(f)).exists();
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")) assertThat(models.resolve("llm").resolve(f)).exists();
        image = dir.resolve("circle.png");
        ImageIO.write(picture(), "png", image.toFile());
    }

    static BufferedImage picture() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.RED);
        g.fillOval(4, 4, 24, 24);
        g.dispose();
        return img;
    }

    private static IrisConfig config(String... overrides) {
        return new ConfigLoader().load(models.resolve("iris.yaml"), List.of(overrides));
    }

    @Test
    void generateJsonCarriesIdsAndTimings() throws Exception {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--image", image.toString(), "--prompt", "Describe the image.", "--json", "--set", "generate.max_new_tokens=8");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        long padId;
        try (VisionLanguageModel m = VisionLanguageModel.load(config(), REGISTRY)) {
            padId = m.parts().llm().tokenizer().tokenId("<|image_pad|>").orElseThrow();
        }
        long pads = 0;
        for (JsonNode id : json.get("prompt_ids")) if (id.asLong() == padId) pads++;
        assertThat(pads).isEqualTo(16);                        // 64 patches merged by 4
        assertThat(json.get("generated_ids").size()).isBetween(1, 8);
        assertThat(json.get("text").isTextual()).isTrue();
        JsonNode t = json.get("timings");
        assertThat(t.get("image_encode_ms").asDouble()).isPositive();
        assertThat(t.get("prefill_ms").asDouble()).isPositive();
        assertThat(t.get("prefill_tokens").asInt()).isEqualTo(json.get("prompt_ids").size());
    }

    @Test
    void int8WeightsGenerate() throws Exception {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--image", image.toString(), "--prompt", "Describe the image.", "--json", "--set", "generate.max_new_tokens=4",
                "--set", "runtime.weights=int8");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("generated_ids").size()).isBetween(1, 4);
        IrisCliTest.Run bad = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--prompt", "Hi", "--set", "runtime.weights=int3");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("runtime.weights").contains("int8");
    }

    @Test
    void kvCacheDecodingGivesTheSameTokensAsRecomputing() throws Exception {
        GenerateConfig greedy = GenerateConfig.defaults().withMaxNewTokens(20);
        byte[] png = Files.readAllBytes(image);
        try (VisionLanguageModel m = VisionLanguageModel.load(config(), REGISTRY)) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult cached = m.generate(Optional.of(png), "circle.png", "Describe the image.", greedy, streamed::append, false);
            GenerationResult full = m.generate(Optional.of(png), "circle.png", "Describe the image.", greedy, s -> {}, true);
            assertThat(cached.generatedIds()).isNotEmpty().containsExactly(full.generatedIds());
            assertThat(streamed.toString()).isEqualTo(cached.text());
            GenerationResult textOnly = m.generate(Optional.empty(), "", "Hello", greedy, s -> {}, false);
            GenerationResult textOnlyFull = m.generate(Optional.empty(), "", "Hello", greedy, s -> {}, true);
            assertThat(textOnly.generatedIds()).containsExactly(textOnlyFull.generatedIds());
        }
    }

    @Test
    void badImagesAreNamed() throws Exception {
        Path garbage = dir.resolve("garbage.png");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
        Path truncated = dir.resolve("truncated.png");
        byte[] png = Files.readAllBytes(image);
        Files.write(truncated, Arrays.copyOf(png, png.length / 2));
        for (Path bad : List.of(garbage, truncated)) {
            IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                    "--image", bad.toString(), "--prompt", "Describe.");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains(bad.toString());
        }
        IrisCliTest.Run missing = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--image", dir.resolve("nope.png").toString(), "--prompt", "Describe.");
        assertThat(missing.err().strip()).isEqualTo(dir.resolve("nope.png") + ": file not found");
    }

    @Test
    void aPyTorchTrainingCheckpointProvidesTheProjector() throws Exception {
        // the tutorial saves the whole model: frozen towers and the projector under a prefix
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("vision_model.embeddings.patch_embedding.weight", Tensor.zeros(dev.iris.api.tensor.DType.F32, 4));
        t.put("llm_model.model.norm.weight", Tensor.zeros(dev.iris.api.tensor.DType.F32, 4));
        t.put("projector.linear1.weight", Tensor.zeros(dev.iris.api.tensor.DType.F32, 64, 256));
        t.put("projector.linear1.bias", Tensor.zeros(dev.iris.api.tensor.DType.F32, 64));
        t.put("projector.linear2.weight", Tensor.zeros(dev.iris.api.tensor.DType.F32, 64, 64));
        t.put("projector.linear2.bias", Tensor.zeros(dev.iris.api.tensor.DType.F32, 64));
        Path ckpt = dir.resolve("tutorial.safetensors");
        SafetensorsWriter.write(ckpt, t, dev.iris.api.tensor.DType.F32);
        IrisCliTest.Run ok = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--image", image.toString(), "--prompt", "Describe.", "--set", "model.fusion.weights=" + ckpt, "--set", "generate.max_new_tokens=2");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        // a projector of the wrong width in the same layout is refused by name: the file really is read
        t.put("projector.linear2.bias", Tensor.zeros(dev.iris.api.tensor.DType.F32, 65));
        SafetensorsWriter.write(ckpt, t, dev.iris.api.tensor.DType.F32);
        IrisCliTest.Run bad = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--image", image.toString(), "--prompt", "Describe.", "--set", "model.fusion.weights=" + ckpt);
        assertThat(bad.err()).contains("weight linear2.bias in " + ckpt + " (tensors under projector.) has shape [65], the model expects [64]");
    }

    @Test
    void configPointingAtAMissingFolderIsNamed() {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                "--prompt", "Hi", "--set", "model.llm.path=" + dir.resolve("no-such-model"));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("model.llm.path").contains("no-such-model");
    }

    @Test
    void promptLongerThanTheContextIsAnError() {
        String longPrompt = "red circle ".repeat(400);   // the tiny model's context is 512 positions
        try (VisionLanguageModel m = VisionLanguageModel.load(config(), REGISTRY)) {
            assertThatThrownBy(() -> m.generate(Optional.empty(), "", longPrompt, GenerateConfig.DEFAULTS, s -> {}))
                    .isInstanceOf(IrisException.class)
                    .hasMessageContaining("tokens long, but the model's context is 512 tokens");
        }
    }

    @Test
    void missingAndMisshapenWeightsAreNamed() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(models.resolve("llm").resolve(f), broken.resolve(f));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (WeightSource src = Safetensors.open(models.resolve("llm"))) {
            for (String n : src.names()) if (!n.equals("model.norm.weight")) tensors.put(n, src.read(n));
            SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, dev.iris.api.tensor.DType.F32);
            IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                    "--prompt", "Hi", "--set", "model.llm.path=" + broken);
            assertThat(r.err()).contains("missing weight model.norm.weight").contains(broken.resolve("model.safetensors").toString());
            long[] shape = src.info("model.norm.weight").orElseThrow().shape();
            tensors.put("model.norm.weight", Tensor.zeros(dev.iris.api.tensor.DType.F32, shape[0] + 1));
            SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, dev.iris.api.tensor.DType.F32);
            IrisCliTest.Run r2 = IrisCliTest.run(() -> REGISTRY, "generate", "--config", models.resolve("iris.yaml").toString(),
                    "--prompt", "Hi", "--set", "model.llm.path=" + broken);
            assertThat(r2.err()).contains("weight model.norm.weight").contains("has shape [" + (shape[0] + 1) + "], the model expects [" + shape[0] + "]");
        }
    }
}
