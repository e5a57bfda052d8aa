package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests served at the same time by the default 4 workers share decode steps and get the answers they get alone. */
class ConcurrentRequestsTest {
    static IrisServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = TinyModel.serve(ServeConfig.DEFAULTS);
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    private static List<Map<String, Object>> requests() {
        String image = TinyModel.dataUri(TinyModel.png());
        return List.of(Http.chat("Describe the image.", image, 24), Http.chat("Hello, who are you?", null, 30),
                Http.chat("What colour is the disc?", image, 20), Http.chat("Count to ten.", null, 27));
    }

    private static JsonNode ask(Map<String, Object> body) {
        Http.Response r = http.post("/v1/chat/completions", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        try {
            return Http.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void fourAtOnceAnswerAsOneAtATime() {
        List<String> alone = new ArrayList<>();
        for (Map<String, Object> body : requests()) alone.add(ask(body).at("/choices/0/message/content").asText());
        List<CompletableFuture<JsonNode>> together = requests().stream().map(b -> CompletableFuture.supplyAsync(() -> ask(b))).toList();
        for (int i = 0; i < alone.size(); i++) {
            JsonNode answer = together.get(i).join();
            assertThat(answer.at("/choices/0/message/content").asText()).as("request %d", i).isEqualTo(alone.get(i));
        }
        assertThat(ServeConfig.DEFAULTS.workers()).isEqualTo(4);
        assertThat(TinyModel.model().largestDecodeBatch()).as("decode steps served several requests").isGreaterThan(1);
        String metrics = http.get("/metrics").body();
        assertThat(metrics).contains("iris_decode_sequences ");
        assertThat(Http.metric(metrics, "iris_decode_sequences")).isZero();   // all answered
    }
}
