package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A projector trained with the PyTorch LLaVA tutorial, as the tutorial saves it: one whole-model
 * {@code model.safetensors} with {@code vision_model.*}, {@code llm_model.*} and the projector's
 * {@code linear1.*} / {@code linear2.*} at the top level. Iris loads its projector and prompts it
 * in the layout it was trained with: the question, a newline and the image pads, nothing around them.
 */
class TutorialCheckpointTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    @TempDir
    static Path dir;
    static Path checkpoint;
    static byte[] png;

    @BeforeAll
    static void tinyModelAndTutorialCheckpoint() throws IOException {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
        Map<String, Map<String, long[]>> shapes;
        try (ModelParts parts = ModelParts.create(config(), REGISTRY)) {
            shapes = PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion());
        }
        // the tutorial's module names: self.vision_model, self.llm_model, self.linear1, self.linear2
        SplittableRandom random = new SplittableRandom(11);
        Map<String, Tensor> whole = new LinkedHashMap<>();
        shapes.get("vision").forEach((n, s) -> whole.put("vision_model." + n, ModelInit.randomTensor(n, s, random)));
        shapes.get("llm").forEach((n, s) -> whole.put("llm_model." + n, ModelInit.randomTensor(n, s, random)));
        shapes.get("fusion").forEach((n, s) -> whole.put(n, ModelInit.randomTensor(n, s, random)));
        assertThat(shapes.get("fusion").keySet()).containsExactlyInAnyOrder("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias");
        checkpoint = Files.createDirectories(dir.resolve("tutorial")).resolve("model.safetensors");
        SafetensorsWriter.write(checkpoint, whole, DType.F32, Map.of());

        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) image.setRGB(x, y, new Color(255 - x * 3, y * 4, 90).getRGB());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        png = out.toByteArray();
    }

    private static IrisConfig config(String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: %s }
                  llm:    { type: qwen2,  path: %s }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                """.formatted(dir.resolve("models/vision"), dir.resolve("models/llm"));
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    @Test
    void theTutorialsCheckpointLoadsAndIsPromptedInItsTrainingLayout() {
        GenerateConfig greedy = new GenerateConfig(Optional.empty(), 5, 0, 0, 1, 1, 0);
        try (VisionLanguageModel m = VisionLanguageModel.load(config("model.fusion.weights=" + checkpoint), REGISTRY);
             WeightSource raw = Safetensors.open(checkpoint)) {
            WeightSource fusion = m.parts().sources().get("fusion");
            for (String n : List.of("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias")) {
                assertThat(fusion.read(n).toFloats()).as(n).containsExactly(raw.read(n).toFloats());
            }

            GenerationResult r = m.generate(Optional.of(png), "image.png", "Describe the image.", greedy, s -> {});
            int tokens = m.parts().fusion().imageTokens();
            assertThat(tokens).isEqualTo(16);   // 64 patches of the tiny encoder, four merged into one
            String tutorialLayout = "<|im_start|>user\nDescribe the image.\n" + "<|image_pad|>".repeat(tokens)
                    + "<|im_end|>\n<|im_start|>assistant\n";
            assertThat(r.promptIds()).containsExactly(m.parts().llm().tokenizer().encode(tutorialLayout));
            assertThat(m.parts().llm().tokenizer().decode(r.promptIds(), false)).doesNotContain("<|vision_start|>", "<|vision_end|>");
            assertThat(r.generatedIds()).isNotEmpty();
            // the image the answer reads is the checkpoint's projection, not an initialised projector's
            Tensor pixels = m.parts().vision().preprocess(png, "image.png");
            float[] projected = m.encodeImage(pixels).toFloats();
            try (VisionLanguageModel untrained = VisionLanguageModel.load(config(), REGISTRY)) {
                assertThat(projected).hasSameSizeAs(untrained.encodeImage(pixels).toFloats())
                        .isNotEqualTo(untrained.encodeImage(pixels).toFloats());
            }
        }
    }
}
