package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error status, in OpenAI's shape, over raw HTTP. */
class ErrorsTest {
    static final String KEY = "s3cret-key";
    static IrisServer real, small, keyed, loading;
    static Http http, smallHttp;
    /** Requests that block run here: the common pool may have a single thread on a small machine. */
    static final java.util.concurrent.ExecutorService CLIENTS = java.util.concurrent.Executors.newCachedThreadPool();
    static String image;

    @BeforeAll
    static void start() {
        real = TinyModel.serve(ServeConfig.DEFAULTS);
        small = TinyModel.serve(ServeConfig.DEFAULTS.withLimits(64 * 1024, 1000, 4096));
        keyed = TinyModel.serve(ServeConfig.DEFAULTS.withApiKey(KEY));
        loading = new IrisServer(ServeConfig.DEFAULTS, TinyModel.defaults()).start("127.0.0.1", 0);
        http = new Http(real.port());
        smallHttp = new Http(small.port());
        image = TinyModel.dataUri(TinyModel.png());
    }

    @AfterAll
    static void stop() {
        for (IrisServer s : new IrisServer[] {real, small, keyed, loading}) if (s != null) s.stop();
        CLIENTS.shutdownNow();
    }

    /** The body is {"error": {"message", "type", "param", "code"}} with a message. */
    static JsonNode assertError(Http.Response r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode e = r.error();
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).as(r.body()).isTrue();
        assertThat(e.get("message").asText()).isNotBlank();
        return e;
    }

    @Test
    void badJsonIs400() {
        JsonNode e = assertError(http.post("/v1/chat/completions", "{\"model\": \"iris\", "), 400);
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("code").asText()).isEqualTo("invalid_json");
        assertError(http.post("/v1/chat/completions", "[1, 2]"), 400);
        assertError(http.post("/v1/chat/completions", ""), 400);
    }

    @Test
    void badFieldsAre400NamingTheField() {
        assertThat(assertError(http.post("/v1/chat/completions", "{}"), 400).get("param").asText()).isEqualTo("model");
        assertThat(assertError(http.post("/v1/chat/completions", "{\"model\":\"iris\"}"), 400).get("param").asText()).isEqualTo("messages");
        Map<String, Object> body = Http.chat("hi", null, 5);
        body.put("temperature", "hot");
        assertThat(assertError(http.post("/v1/chat/completions", body), 400).get("param").asText()).isEqualTo("temperature");
        body = Http.chat("hi", null, 5);
        body.put("n", 2);
        assertThat(assertError(http.post("/v1/chat/completions", body), 400).get("param").asText()).isEqualTo("n");
        body = Http.chat("hi", null, 5);
        body.put("stop", List.of("a", "b", "c", "d", "e"));
        assertThat(assertError(http.post("/v1/chat/completions", body), 400).get("param").asText()).isEqualTo("stop");
        body = Http.chat("hi", null, 0);
        assertThat(assertError(http.post("/v1/chat/completions", body), 400).get("param").asText()).isEqualTo("max_tokens");
        String toolRole = "{\"model\":\"iris\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}";
        assertThat(assertError(http.post("/v1/chat/completions", toolRole), 400).get("message").asText()).contains("tool");
    }

    @Test
    void moreImagesThanServeMaxImagesIs400NamingTheFirstOverTheLimit() {
        int max = ServeConfig.DEFAULTS.maxImages();
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i <= max; i++) parts.append("{\"type\":\"image_url\",\"image_url\":{\"url\":\"").append(image).append("\"}},");
        String body = "{\"model\":\"iris\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "{\"type\":\"text\",\"text\":\"compare\"}]}]}";
        JsonNode e = assertError(http.post("/v1/chat/completions", body), 400);
        assertThat(e.get("code").asText()).isEqualTo("too_many_images");
        assertThat(e.get("param").asText()).isEqualTo("messages[0].content[" + max + "]");
        assertThat(e.get("message").asText()).contains("at most " + max + " images").contains("has " + (max + 1)).contains("serve.max_images");
    }

    @Test
    void badImagesAre400() {
        byte[] png = TinyModel.png();
        byte[] broken = java.util.Arrays.copyOf(png, png.length / 2);
        for (int i = 40; i < broken.length; i++) broken[i] ^= 0x5a;   // header intact, data garbled
        JsonNode e = assertError(http.post("/v1/chat/completions", Http.chat("x", TinyModel.dataUri(broken), 4)), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_image");

        byte[] text = "not an image at all".getBytes(StandardCharsets.UTF_8);
        e = assertError(http.post("/v1/chat/completions", Http.chat("x", TinyModel.dataUri(text), 4)), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_image_format");
        e = assertError(http.post("/v1/chat/completions", Http.chat("x", "data:text/plain;base64," + Base64.getEncoder().encodeToString(text), 4)), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_image_format");
        e = assertError(http.post("/v1/chat/completions", Http.chat("x", "data:image/png;base64,%%%not-base64%%%", 4)), 400);
        assertThat(e.get("message").asText()).contains("base64");
        e = assertError(http.post("/v1/chat/completions", Http.chat("x", "https://example.com/cat.png", 4)), 400);
        assertThat(e.get("code").asText()).isEqualTo("image_host_not_allowed");
        assertThat(e.get("message").asText()).contains("example.com").contains("allow_image_hosts");
        e = assertError(http.post("/v1/chat/completions", Http.chat("x", "file:///etc/passwd", 4)), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_image_url");
    }

    @Test
    void jpegIsAccepted() {
        byte[] jpeg = TinyModel.encode(TinyModel.picture(), "jpeg");
        Http.Response r = http.post("/v1/chat/completions", Http.chat("x", "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg), 3));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** A PNG whose header says 20000 x 20000 (400 megapixels) with almost no data: refused from the header alone. */
    static byte[] pngBomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(20000);
        d.writeInt(20000);
        d.write(new byte[] {8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    @Test
    void tooManyPixelsIs413() throws IOException {
        JsonNode e = assertError(http.post("/v1/chat/completions", Http.chat("x", TinyModel.dataUri(pngBomb()), 4)), 413);
        assertThat(e.get("code").asText()).isEqualTo("image_too_large");
        assertThat(e.get("message").asText()).contains("20000x20000").contains("40000000");
        // the small server allows 1000 pixels: the real 64x64 image is over
        e = assertError(smallHttp.post("/v1/chat/completions", Http.chat("x", image, 4)), 413);
        assertThat(e.get("message").asText()).contains("4096 pixels").contains("1000");
    }

    @Test
    void bodyTooLargeIs413() {
        String big = "{\"model\":\"iris\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(100_000) + "\"}]}";
        // declared length over the limit: refused before the body is read (Expect: 100-continue keeps the client from sending it)
        Http.Response r = Http.send(smallHttp.request("/v1/chat/completions").expectContinue(true)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(big)).build());
        assertThat(assertError(r, 413).get("code").asText()).isEqualTo("request_too_large");
        // no declared length (chunked): counted while reading
        HttpRequest chunked = smallHttp.request("/v1/chat/completions").expectContinue(true).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build();
        assertThat(assertError(Http.send(chunked), 413).get("message").asText()).contains("65536");
    }

    @Test
    void unknownRouteAndModelAre404() {
        JsonNode e = assertError(http.get("/v1/nothing-here"), 404);
        assertThat(e.get("message").asText()).contains("/v1/nothing-here");
        assertError(http.post("/v1/completions", "{}"), 404);
        Map<String, Object> body = Http.chat("hi", null, 4);
        body.put("model", "gpt-4o");
        e = assertError(http.post("/v1/chat/completions", body), 404);
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("param").asText()).isEqualTo("model");
        assertError(http.get("/v1/models/gpt-4o"), 404);
        assertThat(http.get("/v1/models/iris").json().get("id").asText()).isEqualTo("iris");
    }

    @Test
    void maxTokensOverTheCapIs400NamingTheCap() {
        JsonNode e = assertError(http.post("/v1/chat/completions", Http.chat("hi", image, 1025)), 400);
        assertThat(e.get("param").asText()).isEqualTo("max_tokens");
        assertThat(e.get("message").asText()).contains("1025").contains("1024");
        Map<String, Object> body = Http.chat("hi", null, 4);
        body.remove("max_tokens");
        body.put("max_completion_tokens", 2000);
        assertThat(assertError(http.post("/v1/chat/completions", body), 400).get("message").asText()).contains("1024");
    }

    @Test
    void promptPlusMaxTokensOverTheContextIs400NamingBoth() {
        // the small server's cap (4096) is above the model's context (2048)
        JsonNode e = assertError(smallHttp.post("/v1/chat/completions", Http.chat("hi", null, 2040)), 400);
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        int prompt = TinyModel.engine().promptTokens(new dev.iris.plugins.model.VisionLanguageModel.Request(
                List.of(dev.iris.api.text.ChatMessage.user("hi")), java.util.Optional.empty(), "", 0));
        assertThat(e.get("message").asText()).contains("prompt is " + prompt + " tokens").contains("max_tokens is 2040").contains("2048");
    }

    @Test
    void textSpellingTheImagePlaceholderIs400() {
        JsonNode e = assertError(http.post("/v1/chat/completions", Http.chat("look <|image_pad|> here", image, 4)), 400);
        assertThat(e.get("message").asText()).contains("<|image_pad|>");
    }

    @Test
    void nonJsonContentTypeIs415() {
        Http.Response r = Http.send(http.request("/v1/chat/completions").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("model=iris")).build());
        assertError(r, 415);
    }

    @Test
    void streamingRequestWithABadImageGetsAPlainJsonError() {
        Map<String, Object> body = Http.chat("x", "data:image/png;base64,AAAA", 4);
        body.put("stream", true);
        assertError(http.post("/v1/chat/completions", body), 400);
    }

    @Test
    void apiKeyGuardsEveryRouteButHealthAndThePage() {
        Http none = new Http(keyed.port()), wrong = new Http(keyed.port(), KEY + "x"), right = new Http(keyed.port(), KEY);
        JsonNode e = assertError(none.get("/v1/models"), 401);
        assertThat(e.get("code").asText()).isEqualTo("invalid_api_key");
        assertError(wrong.get("/v1/models"), 401);
        assertError(none.post("/v1/chat/completions", Http.chat("hi", null, 3)), 401);
        assertError(wrong.post("/v1/chat/completions", Http.chat("hi", null, 3)), 401);
        assertError(none.get("/metrics"), 401);
        assertError(none.get("/ready"), 401);
        assertThat(right.get("/v1/models").status()).isEqualTo(200);
        assertThat(right.post("/v1/chat/completions", Http.chat("hi", null, 3)).status()).isEqualTo(200);
        assertThat(right.get("/metrics").status()).isEqualTo(200);
        assertThat(none.get("/health").status()).isEqualTo(200);
        assertThat(none.get("/").status()).isEqualTo(200);   // the page asks for the key itself
        Http.Response basic = Http.send(none.request("/v1/models").header("Authorization", "Basic " + KEY).GET().build());
        assertError(basic, 401);
    }

    @Test
    void notReadyIs503WithRetryAfter() {
        Http h = new Http(loading.port());
        Http.Response r = h.post("/v1/chat/completions", Http.chat("hi", null, 3));
        assertThat(assertError(r, 503).get("code").asText()).isEqualTo("not_ready");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertError(h.get("/ready"), 503);
        assertThat(h.get("/health").status()).isEqualTo(200);
        assertThat(h.get("/v1/models").status()).isEqualTo(200);
    }

    @Test
    void otherHostNamesAreRefusedOnLoopback() throws IOException {
        try (Socket s = new Socket("127.0.0.1", real.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /v1/models HTTP/1.1\r\nHost: attacker.example:" + real.port() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String resp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(resp).startsWith("HTTP/1.1 403").contains("\"error\"").contains("host_not_allowed");
        }
        assertThat(Http.send(http.request("/health").header("Accept", "*/*").GET().build()).status()).isEqualTo(200);
    }

    @Test
    void metricsCountRequestsByRouteAndStatus() {
        http.post("/v1/chat/completions", "{bad");
        http.post("/v1/chat/completions", Http.chat("hi", null, 3));
        http.get("/v1/some/random/path");
        String m = http.get("/metrics").body();
        assertThat(Http.metric(m, "iris_http_requests_total", "route=\"/v1/chat/completions\"", "status=\"400\"")).isGreaterThanOrEqualTo(1);
        assertThat(Http.metric(m, "iris_http_requests_total", "route=\"/v1/chat/completions\"", "status=\"200\"")).isGreaterThanOrEqualTo(1);
        assertThat(Http.metric(m, "iris_http_requests_total", "route=\"unmatched\"", "status=\"404\"")).isGreaterThanOrEqualTo(1);
        assertThat(Http.metric(m, "iris_http_errors_total", "status=\"400\"")).isGreaterThanOrEqualTo(1);
        assertThat(m).contains("iris_queue_depth", "iris_inflight", "iris_http_request_duration_seconds_bucket", "iris_generated_tokens_total");
        assertThat(Http.metric(m, "iris_generated_tokens_total")).isGreaterThanOrEqualTo(3);
        assertThat(m).doesNotContain("some/random");
    }

    // ------------------------------------------------------------------ queue, deadline, drain (a scripted model holds generations open)

    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        IrisServer s = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(1, 1, 30, 5), engine);
        Http h = new Http(s.port());
        try {
            CompletableFuture<Http.Response> a = CompletableFuture.supplyAsync(() -> h.post("/v1/chat/completions", Http.chat("a", null, 8)), CLIENTS);
            await(() -> engine.started.get() == 1);
            CompletableFuture<Http.Response> b = CompletableFuture.supplyAsync(() -> h.post("/v1/chat/completions", Http.chat("b", null, 8)), CLIENTS);
            await(() -> s.admission().waiting() == 1);
            Http.Response c = h.post("/v1/chat/completions", Http.chat("c", null, 8));
            JsonNode e = assertError(c, 429);
            assertThat(e.get("code").asText()).isEqualTo("queue_full");
            assertThat(Integer.parseInt(c.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
            assertThat(Http.metric(h.get("/metrics").body(), "iris_queue_depth")).isEqualTo(1);
            engine.release();
            assertThat(a.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(b.get(10, TimeUnit.SECONDS).json().at("/choices/0/message/content").asText()).startsWith("Hello").endsWith(" done");
        } finally {
            engine.release();
            s.stop();
        }
    }

    @Test
    void deadlineEndsALongGeneration() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        IrisServer s = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(4, 1, 0.3, 1), engine);
        Http h = new Http(s.port());
        try {
            JsonNode e = assertError(h.post("/v1/chat/completions", Http.chat("a", null, 8)), 504);
            assertThat(e.get("code").asText()).isEqualTo("deadline_exceeded");
            Map<String, Object> body = Http.chat("a", null, 8);
            body.put("stream", true);
            Http.Response r = h.post("/v1/chat/completions", body);
            assertThat(r.status()).isEqualTo(200);   // the stream had begun: the error comes as its last event
            assertThat(r.body()).startsWith("data: ").contains("\"role\":\"assistant\"").contains("deadline_exceeded").doesNotContain("[DONE]");
            assertThat(Http.metric(h.get("/metrics").body(), "iris_generations_total", "outcome=\"deadline\"")).isEqualTo(2);
        } finally {
            engine.release();
            s.stop();
        }
    }

    @Test
    void stopDrainsRequestsUnderWayAndRefusesNewOnes() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        IrisServer s = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(4, 1, 30, 10), engine);
        Http h = new Http(s.port());
        try {
            CompletableFuture<Http.Response> a = CompletableFuture.supplyAsync(() -> h.post("/v1/chat/completions", Http.chat("a", null, 8)), CLIENTS);
            await(() -> engine.started.get() == 1);
            long t0 = System.nanoTime();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(s::stop, CLIENTS);
            await(() -> !s.isReady());
            Http.Response refused = h.post("/v1/chat/completions", Http.chat("b", null, 8));
            assertThat(assertError(refused, 503).get("code").asText()).isEqualTo("draining");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertError(h.get("/ready"), 503);
            assertThat(assertError(h.get("/v1/models"), 503).get("code").asText()).isEqualTo("draining");
            assertThat(h.get("/health").status()).isEqualTo(200);
            assertThat(h.get("/metrics").status()).isEqualTo(200);
            assertThat(stopping).isNotDone();
            engine.release();
            Http.Response done = a.get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(200);
            assertThat(done.json().at("/choices/0/message/content").asText()).endsWith(" done");
            stopping.get(10, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);   // it did not wait out drain_s
        } finally {
            engine.release();
            s.stop();
        }
    }

    @Test
    void drainTimeStopsGenerationsThatRunOn() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        IrisServer s = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(4, 1, 30, 0.3), engine);
        Http h = new Http(s.port());
        try {
            CompletableFuture<Http.Response> a = CompletableFuture.supplyAsync(() -> h.post("/v1/chat/completions", Http.chat("a", null, 8)), CLIENTS);
            await(() -> engine.started.get() == 1);
            long t0 = System.nanoTime();
            s.stop();
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(3);
            assertThat(assertError(a.get(10, TimeUnit.SECONDS), 503).get("code").asText()).isEqualTo("shutting_down");
        } finally {
            engine.release();
            s.stop();
        }
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met within 10 s");
            Thread.sleep(5);
        }
    }
}
