package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A huge prompt is refused from its size before it is tokenized; tokenizing happens inside the worker limit. */
class PromptLimitsTest {
    static EchoEngine engine;
    static IrisServer server;
    static Http http;

    @BeforeAll
    static void start() {
        engine = new EchoEngine();
        server = TinyModel.serve(ServeConfig.DEFAULTS.withMaxPromptChars(50_000), engine);
        engine.server = server;
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    @Test
    void aPromptOverMaxPromptCharsIsRefusedWithoutTokenizing() {
        int before = engine.tokenized.get();
        JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", Http.chat("a".repeat(60_000), null, 3)), 400);
        assertThat(e.get("code").asText()).isEqualTo("prompt_too_long");
        assertThat(e.get("param").asText()).isEqualTo("messages");
        assertThat(e.get("message").asText()).contains("60000").contains("50000").contains("serve.max_prompt_chars");
        assertThat(engine.tokenized.get()).as("the prompt was not tokenized").isEqualTo(before);
    }

    @Test
    void aPromptTheContextCannotHoldIsRefusedWithoutTokenizing() {
        // the context holds 4096 tokens: at 32 characters a token at most, 140000 characters cannot fit
        IrisServer wide = TinyModel.serve(ServeConfig.DEFAULTS, engine);
        try {
            int before = engine.tokenized.get();
            JsonNode e = ErrorsTest.assertError(new Http(wide.port()).post("/v1/chat/completions", Http.chat("b".repeat(140_000), null, 3)), 400);
            assertThat(e.get("code").asText()).isEqualTo("prompt_too_long");
            assertThat(e.get("message").asText()).contains("4096");
            assertThat(engine.tokenized.get()).isEqualTo(before);
        } finally {
            wide.stop();
        }
    }

    /** The case, with the real tiny model: three 15 MB messages at once are refused in moments, nothing tokenized. */
    @Test
    void threeHugeMessagesAtOnceAreRefusedQuickly() throws Exception {
        IrisServer real = TinyModel.serve(ServeConfig.DEFAULTS);
        try {
            Http h = new Http(real.port());
            String body = Http.JSON.writeValueAsString(Http.chat("c".repeat(15_000_000), null, 3));
            long t0 = System.nanoTime();
            List<java.util.concurrent.CompletableFuture<Http.Response>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> h.post("/v1/chat/completions", body),
                        task -> new Thread(task, "huge-prompt-client").start()));
            }
            for (var a : answers) {
                Http.Response r = a.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(ErrorsTest.assertError(r, 400).get("code").asText()).isEqualTo("prompt_too_long");
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("three 15 MB messages at once: all refused (400 prompt_too_long) in %.2f s%n", s);
            assertThat(s).isLessThan(20);
        } finally {
            real.stop();
        }
    }

    @Test
    void tokenizingHappensInsideAdmission() {
        assertThat(http.post("/v1/chat/completions", Http.chat("hello", null, 3)).status()).isEqualTo(200);
        assertThat(engine.runningWhenTokenized).as("requests holding a worker slot while the prompt was tokenized").isEqualTo(1);
    }

    @Test
    void longStopSequencesAreRefused() {
        Map<String, Object> body = Http.chat("hi", null, 3);
        body.put("stop", "s".repeat(10_000));
        assertThat(ErrorsTest.assertError(http.post("/v1/chat/completions", body), 400).get("param").asText()).isEqualTo("stop");
    }
}
