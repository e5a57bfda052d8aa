package dev.iris.vlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library's entry point on the tiny preset: what a Java program calling it sees. */
class IrisModelTest {
    @TempDir
    static Path dir;
    static Path config;
    static Path png;
    static BufferedImage picture;
    static IrisModel model;
    static final Options SHORT = Options.builder().maxNewTokens(6).build();

    @BeforeAll
    static void setUp() throws Exception {
        config = Iris.init("tiny", dir.resolve("tiny"));
        picture = new BufferedImage(40, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 32);
        g.setColor(Color.RED);
        g.fillOval(5, 4, 20, 20);
        g.dispose();
        png = dir.resolve("circle.png");
        ImageIO.write(picture, "png", png.toFile());
        model = Iris.load(config);
    }

    @AfterAll
    static void tearDown() {
        if (model != null) model.close();
    }

    @Test
    void initWritesAConfigThatLoads() {
        assertThat(config).isEqualTo(dir.resolve("tiny/iris.yaml")).exists();
        assertThat(model.contextLength()).isPositive();
    }

    @Test
    void greedyTextGenerationIsRepeatableAndStopsAtMaxNewTokens() {
        Answer a = model.generate("Say something.", null, SHORT);
        Answer b = model.generate("Say something.", null, SHORT);
        assertThat(a).isEqualTo(b);
        assertThat(a.promptIds()).isNotEmpty();
        assertThat(a.generatedIds()).isNotEmpty().hasSizeLessThanOrEqualTo(6);
        if (a.stopReason() == StopReason.LENGTH) assertThat(a.generatedIds()).hasSize(6);
    }

    @Test
    void anImageAsFileBytesOrBufferedImageGivesTheSameAnswer() throws Exception {
        Answer fromFile = model.generate("Describe the image.", Image.of(png), SHORT);
        Answer fromBytes = model.generate("Describe the image.", Image.of(Files.readAllBytes(png)), SHORT);
        Answer fromPicture = model.generate("Describe the image.", Image.of(picture), SHORT);
        assertThat(fromBytes).isEqualTo(fromFile);
        assertThat(fromPicture).isEqualTo(fromFile);
        // the image's tokens are in the prompt: it is longer than the same prompt without one
        assertThat(fromFile.promptIds().length).isGreaterThan(model.generate("Describe the image.", null, SHORT).promptIds().length);
        assertThat(fromFile.imageEncodeMs()).isPositive();
    }

    @Test
    void theCallbackReceivesTheAnswerPieceByPiece() {
        List<String> pieces = new ArrayList<>();
        Answer a = model.generate("Describe the image.", Image.of(png), SHORT, pieces::add);
        assertThat(String.join("", pieces)).isEqualTo(a.text());
        assertThat(a).isEqualTo(model.generate("Describe the image.", Image.of(png), SHORT));
    }

    @Test
    void thePublisherDeliversTheSameTextAndCompletes() throws Exception {
        Answer blocking = model.generate("Describe the image.", Image.of(png), SHORT);
        Collector c = new Collector(Long.MAX_VALUE);
        model.stream("Describe the image.", Image.of(png), SHORT).subscribe(c);
        assertThat(c.done.get(60, TimeUnit.SECONDS)).isEqualTo("complete");
        assertThat(String.join("", c.pieces)).isEqualTo(blocking.text());
    }

    @Test
    void aPublisherTakesOneSubscriber() throws Exception {
        Flow.Publisher<String> p = model.stream("Hi.", null, SHORT);
        Collector first = new Collector(Long.MAX_VALUE);
        Collector second = new Collector(Long.MAX_VALUE);
        p.subscribe(first);
        p.subscribe(second);
        assertThat(second.done.get(10, TimeUnit.SECONDS)).startsWith("error: this publisher is one generation");
        assertThat(first.done.get(60, TimeUnit.SECONDS)).isEqualTo("complete");
    }

    @Test
    void cancellingStopsTheGenerationWithoutSignals() throws Exception {
        Options longer = Options.builder().maxNewTokens(20).build();
        CompletableFuture<String> first = new CompletableFuture<>();
        List<String> signals = new CopyOnWriteArrayList<>();
        model.stream("Count to twenty.", null, longer).subscribe(new Flow.Subscriber<>() {
            Flow.Subscription s;
            @Override public void onSubscribe(Flow.Subscription s) { this.s = s; s.request(1); }
            @Override public void onNext(String piece) { first.complete(piece); s.cancel(); }
            @Override public void onError(Throwable t) { signals.add("error"); }
            @Override public void onComplete() { signals.add("complete"); }
        });
        assertThat(first.get(60, TimeUnit.SECONDS)).isNotNull();
        // the model is free again: a following generation runs to its end
        assertThat(model.generate("Say something.", null, SHORT).generatedIds()).isNotEmpty();
        assertThat(signals).isEmpty();
    }

    @Test
    void aChatOfOneUserTurnIsTheSameAsGenerate() {
        Answer chat = model.chat(List.of(Message.user("Describe the image.", Image.of(png))), SHORT);
        Answer generate = model.generate("Describe the image.", Image.of(png), SHORT);
        assertThat(chat).isEqualTo(generate);
    }

    @Test
    void aLongerChatCarriesItsTurnsIntoThePrompt() {
        Answer one = model.chat(List.of(Message.user("What colour is it?", Image.of(png))), SHORT);
        Answer three = model.chat(List.of(Message.system("Be brief."), Message.user("Hello.", Image.of(png)),
                Message.assistant("Hello."), Message.user("What colour is it?")), SHORT);
        assertThat(three.promptIds().length).isGreaterThan(one.promptIds().length);
    }

    @Test
    void aChatMayCarryAnImageInSeveralTurns() {
        Answer one = model.chat(List.of(Message.user("a", Image.of(png)), Message.assistant("b"), Message.user("c")), SHORT);
        Answer two = model.chat(List.of(Message.user("a", Image.of(png)), Message.assistant("b"), Message.user("c", Image.of(png))), SHORT);
        // the second image's block comes with the last turn (architecture A: a block of image tokens per image)
        assertThat(two.promptIds().length).isGreaterThan(one.promptIds().length);
    }

    @Test
    void badChatsAreRefusedSayingWhy() {
        assertThatThrownBy(() -> model.chat(List.of(Message.user("a"), Message.assistant("b"))))
                .isInstanceOf(IrisException.class).hasMessageContaining("last message of a chat must be the user's");
        assertThatThrownBy(() -> model.chat(List.of())).isInstanceOf(IrisException.class).hasMessageContaining("at least one message");
        assertThatThrownBy(() -> new Message(Message.Role.ASSISTANT, "x", java.util.Optional.of(Image.of(png))))
                .hasMessageContaining("only a user message may carry an image");
    }

    @Test
    void aBadImageIsNamedInTheError() {
        assertThatThrownBy(() -> model.generate("Describe.", Image.of(new byte[] {1, 2, 3, 4}, "upload-7"), SHORT))
                .isInstanceOf(IrisException.class).hasMessageContaining("upload-7");
        assertThatThrownBy(() -> Image.of(dir.resolve("missing.png"))).isInstanceOf(IrisException.class).hasMessageContaining("missing.png");
        assertThatThrownBy(() -> Image.of(new byte[0])).isInstanceOf(IrisException.class).hasMessageContaining("no bytes");
    }

    @Test
    void optionsLeftUnsetComeFromTheConfig() {
        // iris init writes generate: { max_new_tokens: 32, temperature: 0.0 }
        assertThat(model.configuredOptions()).isEqualTo(Options.builder().maxNewTokens(32).temperature(0).topK(0).topP(1).repetitionPenalty(1)
                .seed(0).build());
        Answer configured = model.generate("Say something.");
        assertThat(configured.generatedIds().length).isLessThanOrEqualTo(32);
        assertThat(model.generate("Say something.", null, model.configuredOptions())).isEqualTo(configured);
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> Options.builder().maxNewTokens(0)).hasMessageContaining("maxNewTokens");
        assertThatThrownBy(() -> Options.builder().temperature(-1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> Options.builder().topP(0)).hasMessageContaining("topP");
        assertThatThrownBy(() -> Options.builder().topK(-2)).hasMessageContaining("topK");
        assertThatThrownBy(() -> Options.builder().repetitionPenalty(Double.NaN)).hasMessageContaining("repetitionPenalty");
        Options o = Options.builder().seed(3).build();
        assertThat(o.toBuilder().build()).isEqualTo(o).isNotEqualTo(Options.DEFAULTS);
    }

    @Test
    void theBuilderAppliesOverridesAndNamesUnknownKeys() {
        try (IrisModel five = Iris.builder().config(config).set("generate.max_new_tokens", 5).load()) {
            assertThat(five.configuredOptions()).isEqualTo(model.configuredOptions().toBuilder().maxNewTokens(5).build());
        }
        assertThatThrownBy(() -> Iris.builder().config(config).set("generate.max_tokens", 5).load())
                .isInstanceOf(IrisException.class).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> Iris.builder().load()).isInstanceOf(IrisException.class).hasMessageContaining("no config given");
    }

    @Test
    void yamlTextResolvesPathsAgainstItsBaseDir() throws Exception {
        String yaml = Files.readString(config);
        try (IrisModel fromText = Iris.builder().yaml(yaml, config.getParent()).load()) {
            assertThat(fromText.generate("Say something.", null, SHORT)).isEqualTo(model.generate("Say something.", null, SHORT));
        }
    }

    @Test
    void aClosedModelRefusesWork() {
        IrisModel m = Iris.load(config);
        m.close();
        m.close();
        assertThatThrownBy(() -> m.generate("Hi.")).isInstanceOf(IrisException.class).hasMessageContaining("closed");
    }

    @Test
    void anUnknownPresetListsTheKnownOnes() {
        assertThatThrownBy(() -> Iris.init("no-such-preset", dir.resolve("x"))).isInstanceOf(IrisException.class)
                .hasMessageContaining("no-such-preset").hasMessageContaining("tiny");
    }

    /** Records pieces and how the stream ended. */
    static final class Collector implements Flow.Subscriber<String> {
        final long request;
        final List<String> pieces = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> done = new CompletableFuture<>();

        Collector(long request) {
            this.request = request;
        }

        @Override public void onSubscribe(Flow.Subscription s) { s.request(request); }
        @Override public void onNext(String item) { pieces.add(item); }
        @Override public void onError(Throwable t) { done.complete("error: " + t.getMessage()); }
        @Override public void onComplete() { done.complete("complete"); }
    }
}
