package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A conversation with history over real HTTP, with the tiny model: the image may come in an
 * earlier user turn than the last, the answer is the model's own answer to that conversation, a
 * second image anywhere is a 400 naming it, and limits and errors cover the whole history.
 */
class MultiTurnTest {
    /** The real tiny model, remembering the last request the server handed it. */
    static final class Recording implements ChatEngine {
        final ChatEngine real = TinyModel.engine();
        final AtomicReference<Request> last = new AtomicReference<>();

        @Override
        public int promptTokens(Request request) {
            return real.promptTokens(request);
        }

        @Override
        public int contextLength() {
            return real.contextLength();
        }

        @Override
        public int countTokens(String text) {
            return real.countTokens(text);
        }

        @Override
        public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText) {
            last.set(request);
            return real.generate(request, cfg, onText);
        }
    }

    static Recording engine;
    static IrisServer server;
    static Http http;
    static String image;

    @BeforeAll
    static void start() {
        engine = new Recording();
        server = TinyModel.serve(ServeConfig.DEFAULTS, engine);
        http = new Http(server.port());
        image = TinyModel.dataUri(TinyModel.png());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    static Map<String, Object> text(String role, String text) {
        return Map.of("role", role, "content", text);
    }

    static Map<String, Object> withImage(String role, String text, String url) {
        return Map.of("role", role, "content", List.of(Map.of("type", "text", "text", text),
                Map.of("type", "image_url", "image_url", Map.of("url", url))));
    }

    static Map<String, Object> body(List<Map<String, Object>> messages, int maxTokens) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("model", "iris");
        b.put("messages", messages);
        b.put("max_tokens", maxTokens);
        b.put("temperature", 0);
        return b;
    }

    static final List<ChatMessage> HISTORY = List.of(
            ChatMessage.user("Describe the image."),
            new ChatMessage("assistant", "A red disc on a white background."),
            ChatMessage.user("What colour is the disc?"));

    static List<Map<String, Object>> historyWithImageFirst() {
        return List.of(withImage("user", "Describe the image.", image),
                text("assistant", "A red disc on a white background."),
                text("user", "What colour is the disc?"));
    }

    @Test
    void theImageInAnEarlierTurnStaysThereAndTheAnswerIsTheModelsOwn() {
        Http.Response r = http.post("/v1/chat/completions", body(historyWithImageFirst(), 12));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode json = r.json();
        String served = json.at("/choices/0/message/content").asText();

        Request handed = engine.last.get();
        assertThat(handed.messages()).isEqualTo(HISTORY);
        assertThat(handed.imageMessages()).as("the turn the image was attached to").containsExactly(0);

        // the same conversation straight through the model gives the same answer and prompt
        VisionLanguageModel model = TinyModel.model();
        Request direct = new Request(HISTORY, Optional.of(TinyModel.png()), "image.png", 0);
        GenerateConfig cfg = TinyModel.defaults().withSystem(Optional.empty()).withMaxNewTokens(12).withTemperature(0);
        GenerationResult expected = model.generate(direct, cfg, piece -> {}, false);
        assertThat(expected.generatedIds()).isNotEmpty();
        assertThat(served).isEqualTo(expected.text());
        assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(model.promptIds(direct).length);
        assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(expected.generatedIds().length);

        // the chat template renders the image block inside the first user turn, before the earlier answer
        String prompt = model.render(direct);
        String pad = model.parts().llm().imageToken().text();
        assertThat(prompt.indexOf(pad)).isGreaterThan(prompt.indexOf("Describe the image."))
                .isLessThan(prompt.indexOf("A red disc on a white background."));
        assertThat(prompt.lastIndexOf(pad)).isLessThan(prompt.indexOf("What colour is the disc?"));
    }

    @Test
    void theStreamedAnswerOfAConversationIsTheSameAnswer() {
        Map<String, Object> b = body(historyWithImageFirst(), 12);
        String whole = http.post("/v1/chat/completions", b).json().at("/choices/0/message/content").asText();
        b.put("stream", true);
        Http.Response r = http.post("/v1/chat/completions", b);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        StringBuilder streamed = new StringBuilder();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode c = Http.JSON.valueToTree(parse(line.substring(6))).at("/choices/0/delta/content");
            if (c.isTextual()) streamed.append(c.asText());
        }
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(engine.last.get().imageMessages()).containsExactly(0);
    }

    @Test
    void theImageInTheLatestTurnOfAConversationWorksToo() {
        List<Map<String, Object>> messages = List.of(text("user", "Hello."), text("assistant", "Hello! Send me an image."),
                withImage("user", "Here it is: what is in it?", image));
        Http.Response r = http.post("/v1/chat/completions", body(messages, 6));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(engine.last.get().imageMessages()).containsExactly(2);
    }

    @Test
    void aSecondImageInALaterTurnIsTheModelsSecondImageInThatTurn() {
        List<Map<String, Object>> messages = new ArrayList<>(historyWithImageFirst());
        String other = TinyModel.dataUri(TinyModel.png(new java.awt.Color(20, 40, 200)));
        messages.set(2, withImage("user", "And this one?", other));
        Http.Response r = http.post("/v1/chat/completions", body(messages, 8));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Request handed = engine.last.get();
        assertThat(handed.imageMessages()).containsExactly(0, 2);
        assertThat(handed.images().get(1).bytes()).isEqualTo(TinyModel.png(new java.awt.Color(20, 40, 200)));

        // the same answer as the model gives the same two images directly; each image block sits in its own turn
        VisionLanguageModel model = TinyModel.model();
        List<ChatMessage> history = List.of(HISTORY.get(0), HISTORY.get(1), ChatMessage.user("And this one?"));
        Request direct = new Request(history, List.of(new VisionLanguageModel.Image(TinyModel.png(), "a.png", 0),
                new VisionLanguageModel.Image(TinyModel.png(new java.awt.Color(20, 40, 200)), "b.png", 2)));
        GenerateConfig cfg = TinyModel.defaults().withSystem(Optional.empty()).withMaxNewTokens(8).withTemperature(0);
        assertThat(r.json().at("/choices/0/message/content").asText()).isEqualTo(model.generate(direct, cfg, piece -> {}, false).text());
        String prompt = model.render(direct);
        String pad = model.parts().llm().imageToken().text();
        int blocks = (prompt.length() - prompt.replace(pad, "").length()) / pad.length();
        assertThat(blocks).isEqualTo(2 * model.parts().fusion().imageTokens());
        assertThat(prompt.lastIndexOf(pad)).isGreaterThan(prompt.indexOf("And this one?"));
    }

    @Test
    void anImageInAnAssistantTurnIs400NamingTheMessage() {
        List<Map<String, Object>> messages = List.of(text("user", "Draw a disc."), withImage("assistant", "Here:", image), text("user", "Thanks"));
        JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", body(messages, 4)), 400);
        assertThat(e.get("param").asText()).isEqualTo("messages[1].content[1]");
        assertThat(e.get("message").asText()).contains("messages[1].content[1]").contains("user messages");
    }

    @Test
    void theImagePlaceholderSpelledInAnEarlierTurnIs400NamingThatMessage() {
        String pad = TinyModel.model().parts().llm().imageToken().text();
        List<Map<String, Object>> messages = List.of(withImage("user", "Describe the image.", image),
                text("assistant", "I see " + pad + " here."), text("user", "Go on."));
        JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", body(messages, 4)), 400);
        assertThat(e.get("param").asText()).isEqualTo("messages[1].content");
        assertThat(e.get("message").asText()).contains("messages[1]").contains(pad);
    }

    @Test
    void theWholeHistoryCountsAgainstThePromptLimits() {
        IrisServer small = TinyModel.serve(ServeConfig.DEFAULTS.withMaxPromptChars(5_000), new EchoEngine());
        try {
            // every message is under the limit; the conversation is not
            List<Map<String, Object>> messages = List.of(text("user", "a".repeat(2_000)), text("assistant", "b".repeat(2_000)),
                    text("user", "c".repeat(2_000)));
            JsonNode e = ErrorsTest.assertError(new Http(small.port()).post("/v1/chat/completions", body(messages, 4)), 400);
            assertThat(e.get("code").asText()).isEqualTo("prompt_too_long");
            assertThat(e.get("message").asText()).contains("6000").contains("5000");
        } finally {
            small.stop();
        }
        // with the real model: a history whose tokens and max_tokens overflow the context is refused naming both
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            messages.add(text("user", "question number " + i + " about the picture, asked at some length to fill the context"));
            messages.add(text("assistant", "answer number " + i + " to that question, also at some length so the history grows"));
        }
        messages.add(text("user", "and the last question?"));
        JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", body(messages, 1000)), 400);
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("message").asText()).contains("max_tokens is 1000");
    }

    private static Object parse(String json) {
        try {
            return Http.JSON.readValue(json, Object.class);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
