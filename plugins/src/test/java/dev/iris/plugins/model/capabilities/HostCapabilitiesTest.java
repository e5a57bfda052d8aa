package dev.iris.plugins.model.capabilities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host follows what the plugins declare, with plugins it has never heard of (test-only,
 * found by ServiceLoader like any other): a fusion that both places image tokens in the prompt
 * and reads the image at every decode step, and a language model whose image token is one its
 * plugin added, with an id outside the embedding table.
 */
class HostCapabilitiesTest {
    static final GenerateConfig GREEDY = new GenerateConfig(Optional.empty(), 6, 0, 0, 1, 1, 0);

    @TempDir
    static Path dir;
    static URLClassLoader loader;
    static PluginRegistry registry;
    static byte[] png;

    @BeforeAll
    static void tinyModelAndTestPlugins() throws IOException {
        ModelInit.write(PluginRegistry.discover(), "tiny", dir.resolve("models"), 0);
        // the test plugins join the real ones through a loader that only adds their service files
        Path services = Files.createDirectories(dir.resolve("test-plugins/META-INF/services"));
        Files.writeString(services.resolve(LanguageModelProvider.class.getName()), ExtendedVocabularyLlmProvider.class.getName() + "\n");
        Files.writeString(services.resolve(FusionProvider.class.getName()), PromptAndEveryStepFusionProvider.class.getName() + "\n");
        loader = new URLClassLoader(new URL[] {dir.resolve("test-plugins").toUri().toURL()}, HostCapabilitiesTest.class.getClassLoader());
        registry = PluginRegistry.discover(loader);
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) image.setRGB(x, y, new Color(x * 4, y * 4, (x + y) * 2).getRGB());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        png = out.toByteArray();
    }

    @AfterAll
    static void closeLoader() throws IOException {
        loader.close();
    }

    private static IrisConfig config(String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: %s }
                  llm:    { type: qwen2,  path: %s }
                  fusion: { type: projector }
                runtime: { device: cpu, threads: 1 }
                """.formatted(dir.resolve("models/vision"), dir.resolve("models/llm"));
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    private static GenerationResult describe(VisionLanguageModel m, Optional<byte[]> image, boolean recompute) {
        return m.generate(image, "image.png", "Describe the image.", GREEDY, s -> {}, recompute);
    }

    @Test
    void aFusionThatPlacesTokensAndReadsEveryStepRunsThroughGenerationAndBatching() throws Exception {
        try (VisionLanguageModel m = VisionLanguageModel.load(config("model.fusion={type: " + PromptAndEveryStepFusionProvider.TYPE + "}"), registry)) {
            long pad = m.parts().llm().imageToken().id();
            GenerationResult cached = describe(m, Optional.of(png), false);
            assertThat(LongStream.of(cached.promptIds()).filter(id -> id == pad).count()).isEqualTo(m.parts().fusion().imageTokens()).isEqualTo(16);
            assertThat(cached.generatedIds()).isNotEmpty();
            // decode steps with the KV cache see the image as the whole sequence run again does
            assertThat(cached.generatedIds()).containsExactly(describe(m, Optional.of(png), true).generatedIds());
            // two generations decoding in one batch each get what they get alone
            var a = CompletableFuture.supplyAsync(() -> describe(m, Optional.of(png), false));
            var b = CompletableFuture.supplyAsync(() -> describe(m, Optional.of(png), false));
            assertThat(a.get().generatedIds()).containsExactly(cached.generatedIds());
            assertThat(b.get().generatedIds()).containsExactly(cached.generatedIds());
            // without an image the decoder runs without the image input and the prompt carries no pads
            GenerationResult text = describe(m, Optional.empty(), false);
            assertThat(LongStream.of(text.promptIds()).filter(id -> id == pad).count()).isZero();
            assertThat(text.generatedIds()).containsExactly(describe(m, Optional.empty(), true).generatedIds());
        }
    }

    @Test
    void anImageTokenPastTheEmbeddingTableIsNeverLookedUp() {
        GenerationResult qwen, extended;
        try (VisionLanguageModel m = VisionLanguageModel.load(config(), registry)) {
            qwen = describe(m, Optional.of(png), false);
        }
        String llm = "model.llm={type: " + ExtendedVocabularyLlmProvider.TYPE + ", path: " + dir.resolve("models/llm") + "}";
        try (VisionLanguageModel m = VisionLanguageModel.load(config(llm), registry)) {
            long image = m.parts().llm().imageToken().id();
            assertThat(image).isEqualTo(m.parts().llm().vocabSize() + ExtendedVocabularyLlmProvider.PAST_THE_TABLE);
            extended = describe(m, Optional.of(png), false);
            assertThat(LongStream.of(extended.promptIds()).filter(id -> id == image).count()).isEqualTo(16);
            assertThat(describe(m, Optional.of(png), true).generatedIds()).containsExactly(extended.generatedIds());
        }
        // the same weights, the same prompt but for the image token: the image positions never depended on it
        assertThat(extended.generatedIds()).isNotEmpty().containsExactly(qwen.generatedIds());
    }
}
