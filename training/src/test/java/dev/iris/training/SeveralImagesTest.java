package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.ProviderKind;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prompt with several images, end to end on the tiny presets (SigLIP + Qwen2 and CLIP + Llama): the images are encoded together as
 * they are one at a time, each gets its own image block (A) or keys and values (B), and decoding
 * with the KV cache (B's steps reading the last images) gives the tokens recomputing gives.
 */
class SeveralImagesTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static final GenerateConfig GREEDY = GenerateConfig.defaults().withMaxNewTokens(8);
    @TempDir
    static Path dir;
    static byte[] red, blue;

    @BeforeAll
    static void setUp() throws IOException {
        TrainerTest.setUpIn(dir);
        // a second pair of plugins of each kind: CLIP's tiny tower and a Llama-family decoder
        ModelInit.writePart(REGISTRY, ProviderKind.VISION, "clip", "tiny", dir.resolve("models/clip"), 0);
        ModelInit.writePart(REGISTRY, ProviderKind.LLM, "llama", "tiny", dir.resolve("models/llama"), 0);
        red = disc(Color.RED);
        blue = disc(Color.BLUE);
    }

    static byte[] disc(Color c) throws IOException {
        BufferedImage img = new BufferedImage(48, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 48, 48);
        g.setColor(c);
        g.fillOval(6, 6, 30, 30);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Two turns, an image in each. */
    static VisionLanguageModel.Request twoTurns() {
        return new VisionLanguageModel.Request(List.of(ChatMessage.user("What is this?"), ChatMessage.assistant("A red disc."),
                ChatMessage.user("And this one?")), List.of(new VisionLanguageModel.Image(red, "red.png", 0),
                new VisionLanguageModel.Image(blue, "blue.png", 2)));
    }

    /** The tiny SigLIP + Qwen2 models, and CLIP + Llama. */
    static java.util.stream.Stream<List<String>> pairs() {
        // the second pair's folders by absolute path: values given as overrides resolve against the working directory
        return java.util.stream.Stream.of(List.of(), List.of("model.vision={type: clip, path: " + dir.resolve("models/clip") + "}",
                "model.llm={type: llama, path: " + dir.resolve("models/llama") + "}"));
    }

    static IrisConfig config(String run, List<String> pair, String... more) {
        List<String> overrides = new java.util.ArrayList<>(pair);
        overrides.addAll(List.of(more));
        return TrainerTest.configIn(dir, run, overrides.toArray(String[]::new));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("pairs")
    void theProjectorEncodesSeveralImagesAsEachAloneAndPlacesABlockPerImage(List<String> pair) {
        IrisConfig cfg = config("runs/a", pair);
        try (VisionLanguageModel m = VisionLanguageModel.load(cfg, REGISTRY)) {
            Tensor a = m.parts().vision().preprocess(red, "red"), b = m.parts().vision().preprocess(blue, "blue");
            float[] both = m.encodeImages(List.of(a, b)).toFloats();
            float[] alone = concat(m.encodeImage(a).toFloats(), m.encodeImage(b).toFloats());
            assertThat(both).hasSameSizeAs(alone);
            for (int i = 0; i < both.length; i++) assertThat(both[i]).as("row value %d", i).isCloseTo(alone[i], org.assertj.core.data.Offset.offset(1e-5f));

            VisionLanguageModel.Request r = twoTurns();
            int n = m.parts().fusion().imageTokens();
            assertThat(m.expectedImageTokens(r)).isEqualTo(2 * n);
            String prompt = m.render(r);
            String pad = m.parts().llm().imageToken().text();
            // the first block inside the first turn, the second after the second question
            assertThat(prompt.indexOf(pad)).isGreaterThan(prompt.indexOf("What is this?")).isLessThan(prompt.indexOf("A red disc."));
            assertThat(prompt.lastIndexOf(pad)).isGreaterThan(prompt.indexOf("And this one?"));
            GenerationResult cached = m.generate(r, GREEDY, s -> {}, false);
            GenerationResult recomputed = m.generate(r, GREEDY, s -> {}, true);
            assertThat(cached.generatedIds()).isNotEmpty().containsExactly(recomputed.generatedIds());
            assertThat(m.imageTokensIn(cached.promptIds())).isEqualTo(2 * n);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("pairs")
    void crossAttentionReadsEachImageFromItsPlaceAndDecodesWithTheCacheAsWhenRecomputing(List<String> pair) {
        IrisConfig cfg = config("runs/b", pair, CrossAttentionMllamaMaskTest.FUSION);
        try (VisionLanguageModel m = VisionLanguageModel.load(cfg, REGISTRY)) {
            GenerationResult cached = m.generate(twoTurns(), GREEDY, s -> {}, false);
            GenerationResult recomputed = m.generate(twoTurns(), GREEDY, s -> {}, true);
            assertThat(cached.generatedIds()).isNotEmpty().containsExactly(recomputed.generatedIds());
            // two concurrent generations with different image counts decode side by side
            VisionLanguageModel.Request one = VisionLanguageModel.Request.question(java.util.Optional.empty(), "What is this?",
                    java.util.Optional.of(red), "red.png");
            var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var f1 = pool.submit(() -> m.generate(twoTurns(), GREEDY, s -> {}, false));
                var f2 = pool.submit(() -> m.generate(one, GREEDY, s -> {}, false));
                assertThat(f1.get().generatedIds()).containsExactly(cached.generatedIds());
                assertThat(f2.get().generatedIds()).containsExactly(m.generate(one, GREEDY, s -> {}, true).generatedIds());
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
