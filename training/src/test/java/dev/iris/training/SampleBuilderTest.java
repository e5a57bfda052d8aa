package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.TextTokenizer;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.llm.qwen.Qwen2Provider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Label masking on rendered samples with the real Qwen tokenizer: exact ids. */
class SampleBuilderTest {
    static TextTokenizer qwen;

    @BeforeAll
    static void loadTokenizer() {
        String json = new Qwen2Provider().presetFiles("qwen2.5-0.5b").get("tokenizer.json");
        qwen = HfTokenizer.fromJson(json, Path.of("qwen2.5-0.5b/tokenizer.json"));
    }

    private static SampleBuilder builder(int imageTokens, Optional<String> system, int maxLength) {
        SampleBuilder.ImagePositions image = imageTokens == 0 ? SampleBuilder.ImagePositions.NONE
                : new SampleBuilder.ImagePositions(imageTokens, new LanguageModel.ImageToken("<|image_pad|>", 151655));
        return new SampleBuilder(ChatMl.chatMl(), qwen, image, system, List.of("Describe the image."), maxLength);
    }

    @Test
    void labelsCoverTheCaptionAndItsEndOfTurnOnly() {
        Sample s = builder(2, Optional.empty(), 512).build("row-1", "A red circle.", new byte[] {1}, new Random(0));
        long[] caption = {32, 2518, 12671, 13};          // "A red circle."
        assertThat(qwen.encode("A red circle.")).containsExactly(caption);
        long[] prompt = {
            151644, 872, 198,                         // <|im_start|>user\n
            74785, 279, 2168, 624,                    // Describe the image.\n  (".\n" is one token)
            151655, 151655,                           // 2 x <|image_pad|>, nothing around them (the tutorial's layout)
            151645, 198,                              // <|im_end|>\n
            151644, 77091, 198};                      // <|im_start|>assistant\n
        long[] expectedIds = new long[prompt.length + caption.length + 1];
        System.arraycopy(prompt, 0, expectedIds, 0, prompt.length);
        System.arraycopy(caption, 0, expectedIds, prompt.length, caption.length);
        expectedIds[expectedIds.length - 1] = 151645;   // <|im_end|> closes the answer and is learned
        assertThat(s.ids()).containsExactly(expectedIds);
        long[] expectedLabels = expectedIds.clone();
        Arrays.fill(expectedLabels, 0, prompt.length, -100);
        assertThat(s.labels()).containsExactly(expectedLabels);
        assertThat(s.imagePads()).isEqualTo(2);
        assertThat(s.labelled()).isEqualTo(caption.length + 1);
        assertThat(s.truncated()).isFalse();
    }

    @Test
    void theTrainingPromptIsExactlyTheGenerationPrompt() {
        SampleBuilder b = builder(49, Optional.of("You are a helpful medical assistant."), 512);
        Sample s = b.build("r", "Findings.", new byte[] {1}, new Random(0));
        long[] generationPrompt = qwen.encode(b.promptText("Describe the image.", true));
        assertThat(Arrays.copyOf(s.ids(), generationPrompt.length)).containsExactly(generationPrompt);
        assertThat(s.imagePads()).isEqualTo(49);
        for (int i = 0; i < generationPrompt.length; i++) assertThat(s.labels()[i]).isEqualTo(-100);
    }

    @Test
    void longSamplesLoseCaptionTokensNeverPads() {
        SampleBuilder b = builder(4, Optional.empty(), 30);
        Sample s = b.build("long", "word ".repeat(40).strip(), new byte[] {1}, new Random(0));
        assertThat(s.length()).isEqualTo(30);
        assertThat(s.truncated()).isTrue();
        assertThat(s.imagePads()).isEqualTo(4);
        assertThat(Arrays.stream(s.ids()).filter(id -> id == 151655).count()).isEqualTo(4);
        assertThat(s.ids()[29]).isNotEqualTo(151645);   // a cut caption does not teach the model to stop
        assertThat(s.labelled()).isPositive();
    }

    @Test
    void samplesThatCannotTeachAnythingAreRefusedByName() {
        assertThatThrownBy(() -> builder(4, Optional.empty(), 10).build("tiny-limit", "A red circle.", new byte[] {1}, new Random(0)))
                .hasMessageStartingWith("sample tiny-limit: the prompt alone is");
        assertThatThrownBy(() -> builder(4, Optional.empty(), 512).build("sneaky", "look <|image_pad|> here", new byte[] {1}, new Random(0)))
                .hasMessage("sample sneaky: answer 1 contains the image pad token <|image_pad|>");
    }

    @Test
    void aFusionThatPlacesNoTokensNeedsNoImageTokenAndLeavesPadTextAlone() {
        // no image token is asked for: a model without one trains with such a fusion
        SampleBuilder b = new SampleBuilder(ChatMl.chatMl(), qwen, SampleBuilder.ImagePositions.NONE, Optional.empty(),
                List.of("Describe the image."), 512);
        Sample s = b.build("x", "look <|image_pad|> here", new byte[] {1}, new Random(0));
        assertThat(s.imagePads()).isZero();
        assertThat(b.promptText("Describe the image.", true)).isEqualTo(b.promptText("Describe the image.", false));
    }

    @Test
    void aFusionThatPlacesNoTokensNeverAsksTheLanguageModelForAnImageToken() {
        // a language model without an image token (it throws when asked) trains with such a fusion
        LanguageModel noImageToken = (LanguageModel) java.lang.reflect.Proxy.newProxyInstance(LanguageModel.class.getClassLoader(),
                new Class<?>[] {LanguageModel.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "chatTemplate" -> ChatMl.chatMl();
                    case "tokenizer" -> qwen;
                    case "imageToken" -> throw new IllegalStateException("no image token in this vocabulary");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        dev.iris.api.spi.Fusion readsEveryStep = (dev.iris.api.spi.Fusion) java.lang.reflect.Proxy.newProxyInstance(
                dev.iris.api.spi.Fusion.class.getClassLoader(), new Class<?>[] {dev.iris.api.spi.Fusion.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "placesTokensInPrompt" -> false;
                    case "readsImageEveryStep" -> true;
                    case "imageTokens" -> 0;
                    case "readsImageRows" -> false;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        SampleBuilder b = SampleBuilder.of(noImageToken, readsEveryStep, true, Optional.empty(), List.of("Describe the image."), 512);
        dev.iris.api.spi.Fusion contradicts = (dev.iris.api.spi.Fusion) java.lang.reflect.Proxy.newProxyInstance(
                dev.iris.api.spi.Fusion.class.getClassLoader(), new Class<?>[] {dev.iris.api.spi.Fusion.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "placesTokensInPrompt" -> true;
                    case "imageTokens" -> 0;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> SampleBuilder.of(noImageToken, contradicts, true, Optional.empty(), List.of("Describe."), 512))
                .hasMessage("the fusion places image tokens in the prompt but says each image adds 0 of them");
        assertThat(b.imagePositions()).isEqualTo(SampleBuilder.ImagePositions.NONE);
        assertThat(b.imagePositions().tokenId()).isEqualTo(-1);
        assertThat(b.build("x", "A red circle.", new byte[] {1}, new Random(0)).imagePads()).isZero();
    }

    @Test
    void textOnlySamplesHaveNoPads() {
        Sample s = builder(4, Optional.empty(), 512).build("t", "A red circle.", null, new Random(0));
        assertThat(s.imagePads()).isZero();
        assertThat(Arrays.stream(s.ids()).filter(id -> id == 151655).count()).isZero();
    }

    /**
     * A fusion that reads the image at every position but neither places tokens nor reads image
     * rows can leave no image out of a sample and cannot tell a batch's empty image slot from an
     * image: it trains on samples of exactly one image, and says why it skips the others.
     */
    @Test
    void aFusionThatReadsEveryImageEverywhereTrainsOnSamplesOfOneImage(@org.junit.jupiter.api.io.TempDir Path dir) {
        TrainerTest.setUpIn(dir);
        dev.iris.api.spi.Fusion everywhere = new dev.iris.api.spi.Fusion() {
            public boolean placesTokensInPrompt() { return false; }
            public boolean readsImageEveryStep() { return true; }
            public int imageTokens() { return 0; }
            public dev.iris.api.graph.Value projectImage(dev.iris.api.graph.GraphBuilder g, dev.iris.api.graph.Value features) { return features; }
        };
        try (dev.iris.plugins.model.ModelParts parts = dev.iris.plugins.model.ModelParts.create(TrainerTest.configIn(dir, "runs/x"),
                dev.iris.plugins.host.PluginRegistry.discover())) {
            SampleBuilder b = SampleBuilder.of(parts.llm(), everywhere, true, Optional.empty(), List.of("Describe the image."), 512);
            List<dev.iris.api.spi.Dataset.Turn> turns = List.of(dev.iris.api.spi.Dataset.Turn.user("Hi"), dev.iris.api.spi.Dataset.Turn.assistant("Hello."));
            assertThat(b.build(new dev.iris.api.spi.Dataset.Example("one", turns, List.of(new byte[] {1})), true, new Random(0)).images()).hasSize(1);
            assertThatThrownBy(() -> b.build(new dev.iris.api.spi.Dataset.Example("none", turns, List.of()), true, new Random(0)))
                    .hasMessageStartingWith("sample none: text-only sample in an image stage");
            assertThatThrownBy(() -> b.build(new dev.iris.api.spi.Dataset.Example("two", turns, List.of(new byte[] {1}, new byte[] {2})), true, new Random(0)))
                    .hasMessageStartingWith("sample two: 2 images in one sample: the fusion reads every image at every position");
        }
    }
}
