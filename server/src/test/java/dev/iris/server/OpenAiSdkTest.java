package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.model.VisionLanguageModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK as the client: plain and streamed completions with an image, and a conversation with history. */
class OpenAiSdkTest {
    static final String KEY = "sdk-test-key";
    static IrisServer server;
    static OpenAIClient client;
    static String image;

    @BeforeAll
    static void start() {
        server = TinyModel.serve(ServeConfig.DEFAULTS.withApiKey(KEY));
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey(KEY)
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        image = TinyModel.dataUri(TinyModel.png());
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.stop();
    }

    static ChatCompletionCreateParams.Builder ask(String text, int maxTokens) {
        return ChatCompletionCreateParams.builder()
                .model("iris")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(text).build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(image).build()).build())))
                .maxCompletionTokens(maxTokens);
    }

    /** The streamed text and the usage of the final chunk. */
    record Streamed(String text, String finishReason, long promptTokens, long completionTokens, int chunks) {}

    static Streamed stream(ChatCompletionCreateParams params) {
        StringBuilder text = new StringBuilder();
        String finish = null;
        long prompt = -1, completion = -1;
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                chunks++;
                for (ChatCompletionChunk.Choice ch : c.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    if (ch.finishReason().isPresent()) finish = ch.finishReason().get().asString();
                }
                if (c.usage().isPresent()) {
                    prompt = c.usage().get().promptTokens();
                    completion = c.usage().get().completionTokens();
                }
            }
        }
        return new Streamed(text.toString(), finish, prompt, completion, chunks);
    }

    @Test
    void listsTheModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("iris");
    }

    @Test
    void plainCompletionWithImageCarriesUsage() {
        ChatCompletion c = client.chat().completions().create(ask("Describe the image.", 12).temperature(0.0).build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.model()).isEqualTo("iris");
        assertThat(c.choices().get(0).message().content()).isPresent();
        // greedy on this tiny random model never writes its end token: the answer runs to max_tokens
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("length");
        var usage = c.usage().orElseThrow();
        int prompt = TinyModel.engine().promptTokens(new VisionLanguageModel.Request(List.of(ChatMessage.user("Describe the image.")),
                Optional.of(TinyModel.png()), "image.png", 0));
        assertThat(usage.promptTokens()).isEqualTo(prompt);
        assertThat(usage.completionTokens()).isEqualTo(12);
        assertThat(usage.totalTokens()).isEqualTo(prompt + 12);
    }

    @Test
    void aConversationWithTheImageInItsFirstTurnIsAnsweredAsTheModelWould() {
        ChatCompletion c = client.chat().completions().create(ask("Describe the image.", 10).temperature(0.0)
                .addAssistantMessage("A red disc.")
                .addUserMessage("What colour is it?").build());
        List<ChatMessage> history = List.of(ChatMessage.user("Describe the image."), ChatMessage.assistant("A red disc."),
                ChatMessage.user("What colour is it?"));
        VisionLanguageModel.Request direct = new VisionLanguageModel.Request(history, Optional.of(TinyModel.png()), "image.png", 0);
        String expected = TinyModel.model().generate(direct, TinyModel.defaults().withSystem(Optional.empty()).withMaxNewTokens(10)
                .withTemperature(0), piece -> {}, false).text();
        assertThat(c.choices().get(0).message().content()).contains(expected);
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(TinyModel.engine().promptTokens(direct));
    }

    @Test
    void streamedTextEqualsTheWholeAnswerGreedy() {
        ChatCompletion whole = client.chat().completions().create(ask("What is in the picture?", 20).temperature(0.0).build());
        Streamed s = stream(ask("What is in the picture?", 20).temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        assertThat(s.text()).isEqualTo(whole.choices().get(0).message().content().orElseThrow());
        assertThat(s.finishReason()).isEqualTo(whole.choices().get(0).finishReason().asString());
        assertThat(s.promptTokens()).isEqualTo(whole.usage().orElseThrow().promptTokens());
        assertThat(s.completionTokens()).isEqualTo(whole.usage().orElseThrow().completionTokens());
        assertThat(s.chunks()).isGreaterThan(2);   // role chunk, text chunks, finish chunk, usage chunk
    }

    @Test
    void streamedTextEqualsTheWholeAnswerWithSeededSampling() {
        ChatCompletionCreateParams p = ask("Describe the image.", 40).temperature(1.0).seed(2).build();
        ChatCompletion whole = client.chat().completions().create(p);
        Streamed s = stream(p);
        assertThat(s.text()).isEqualTo(whole.choices().get(0).message().content().orElseThrow()).isNotEmpty();
        assertThat(s.promptTokens()).isEqualTo(-1);   // no usage chunk unless asked for
    }

    @Test
    void stopSequenceEndsTheAnswerBeforeIt() {
        ChatCompletionCreateParams free = ask("Describe the image.", 40).temperature(1.0).seed(2).build();
        String text = client.chat().completions().create(free).choices().get(0).message().content().orElseThrow();
        assertThat(text.length()).isGreaterThan(6);
        String stop = text.substring(4, 6);   // something the answer is known to contain
        String expected = text.substring(0, text.indexOf(stop));
        ChatCompletion c = client.chat().completions().create(free.toBuilder().stop(stop).build());
        assertThat(c.choices().get(0).message().content().orElseThrow()).isEqualTo(expected);
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("stop");
        Streamed s = stream(free.toBuilder().stop(stop).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        assertThat(s.text()).isEqualTo(expected);
        assertThat(s.finishReason()).isEqualTo("stop");
        assertThat(s.completionTokens()).isPositive();
    }

    @Test
    void errorsReachTheSdkAsItsExceptions() {
        assertThatThrownBy(() -> client.chat().completions().create(ask("x", 12).model("gpt-4o").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("gpt-4o");
        assertThatThrownBy(() -> client.chat().completions().create(ask("x", 5000).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("1024");
    }

    @Test
    void textOnlyConversationWithSystemTurn() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("iris")
                .addSystemMessage("You are terse.").addUserMessage("Hello").addAssistantMessage("Hi.").addUserMessage("Again?")
                .maxCompletionTokens(5).temperature(0.0).build());
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
        List<String> roles = new ArrayList<>();
        c.choices().forEach(ch -> roles.add(ch.message()._role().toString()));
        assertThat(roles).containsExactly("assistant");
    }
}
