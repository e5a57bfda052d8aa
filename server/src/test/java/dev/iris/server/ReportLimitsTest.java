package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.iris.report.ReportService;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/reports} under the serve limits (pixels, max_tokens cap, deadline), the uploaded
 * file's name in the PDF, and translation failures that tell the client nothing internal.
 */
class ReportLimitsTest {
    static final String SECRET = "upstream-secret-detail-7731";
    static HttpServer upstream, elsewhere;
    static final AtomicInteger elsewhereHits = new AtomicInteger();
    static IrisServer plain, translating;
    static ReportService reports;
    /** What the translation endpoint does: fail with details, or redirect elsewhere. */
    static volatile boolean redirect;

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        elsewhere = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        elsewhere.createContext("/", x -> {
            elsewhereHits.incrementAndGet();
            x.sendResponseHeaders(500, -1);
            x.close();
        });
        upstream.createContext("/t/", x -> {
            if (redirect) {
                x.getResponseHeaders().add("Location", "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/v1/chat/completions");
                x.sendResponseHeaders(307, -1);
                x.close();
                return;
            }
            byte[] b = ("{\"error\": \"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(500, b.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        });
        upstream.start();
        elsewhere.start();
        String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
        reports = new ReportService(TinyModel.model(), TinyModel.config(), "test");
        plain = TinyModel.serve(ServeConfig.DEFAULTS.withLimits(20 * 1024 * 1024, 1_000_000, 1024));
        plain.reports(reports);
        translating = TinyModel.serve(ServeConfig.DEFAULTS);
        translating.reports(new ReportService(TinyModel.model(), TinyModel.config().with(
                List.of("report.translate={endpoint: '" + base + "/t', model: m, language: French, api_key: k1}")), "test"));
    }

    @AfterAll
    static void stop() {
        for (IrisServer s : new IrisServer[] {plain, translating}) if (s != null) s.stop();
        if (upstream != null) upstream.stop(0);
        if (elsewhere != null) elsewhere.stop(0);
    }

    static Map<String, Object> report(byte[] png) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png));
        body.put("prompt", "Describe the image.");
        return body;
    }

    /** A PNG whose header says {@code w} x {@code h}, with almost no data. */
    static byte[] pngClaiming(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {8, 2, 0, 0, 0});
        ErrorsTest.chunk(out, "IHDR", ihdr.toByteArray());
        ErrorsTest.chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00});
        ErrorsTest.chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    @Test
    void thePixelLimitApplies() throws IOException {
        JsonNode e = ErrorsTest.assertError(new Http(plain.port()).post("/v1/reports", report(pngClaiming(2000, 1000))), 413);
        assertThat(e.get("code").asText()).isEqualTo("image_too_large");
        assertThat(e.get("message").asText()).contains("serve.max_image_pixels");
    }

    @Test
    void theTokenCapApplies() {
        Map<String, Object> body = report(TinyModel.png());
        body.put("max_tokens", Integer.MAX_VALUE);
        JsonNode e = ErrorsTest.assertError(new Http(plain.port()).post("/v1/reports", body), 400);
        assertThat(e.get("param").asText()).isEqualTo("max_tokens");
        assertThat(e.get("message").asText()).contains("serve.max_tokens_cap");
    }

    @Test
    void thePromptSizeApplies() {
        Map<String, Object> body = report(TinyModel.png());
        body.put("prompt", "p".repeat(300_000));
        JsonNode e = ErrorsTest.assertError(new Http(plain.port()).post("/v1/reports", body), 400);
        assertThat(e.get("code").asText()).isEqualTo("prompt_too_long");
        assertThat(e.get("message").asText()).contains("serve.max_prompt_chars");
    }

    @Test
    void theDeadlineApplies() {
        // a deadline no real generation meets: the tiny model can write 1 000 tokens in a fraction of a second
        IrisServer hurried = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(4, 1, 0.001, 1));
        hurried.reports(reports);
        try {
            Map<String, Object> body = report(TinyModel.png());
            body.put("max_tokens", 1000);
            JsonNode e = ErrorsTest.assertError(new Http(hurried.port()).post("/v1/reports", body), 504);
            assertThat(e.get("code").asText()).isEqualTo("deadline_exceeded");
        } finally {
            hurried.stop();
        }
    }

    /** Shutdown stops a report still generating at its next token (503), as it does completions, instead of waiting it out. */
    @Test
    void shutdownStopsAReportAtItsNextToken() throws Exception {
        IrisServer stopping = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(4, 1, 60, 0));
        stopping.reports(reports);
        Map<String, Object> body = report(TinyModel.png());
        body.put("max_tokens", 1000);
        body.put("temperature", 1.0);   // sampled: no early end
        var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> new Http(stopping.port()).post("/v1/reports", body),
                task -> new Thread(task, "report-client").start());
        ErrorsTest.await(() -> stopping.admission().running() == 1);
        long t0 = System.nanoTime();
        stopping.stop();
        Http.Response r = answer.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(ErrorsTest.assertError(r, 503).get("code").asText()).isEqualTo("shutting_down");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds until stopped").isLessThan(5);
    }

    @Test
    void theReportNamesTheUploadedFile() throws IOException {
        Http http = new Http(plain.port());
        Map<String, Object> body = report(TinyModel.png());
        body.put("findings", "A red disc.");
        body.put("image_name", "C:\\scans\\lung 7.png");
        assertThat(pdfText(http, body)).contains("lung 7.png").doesNotContain("image.png").doesNotContain("scans");
        body.remove("image_name");
        assertThat(pdfText(http, body)).contains("uploaded image").doesNotContain("image.png");
    }

    static String pdfText(Http http, Map<String, Object> body) throws IOException {
        java.net.http.HttpResponse<byte[]> r;
        try {
            r = Http.CLIENT.send(http.request("/v1/reports").header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Http.JSON.writeValueAsString(body))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        try (PDDocument doc = Loader.loadPDF(r.body())) {
            return new PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
        }
    }

    @org.junit.jupiter.api.AfterEach
    void endpointFails() {
        redirect = false;
    }

    @Test
    void aFailedTranslationTellsTheClientNothingInternal() {
        Map<String, Object> body = report(TinyModel.png());
        body.put("findings", "A red disc.");
        redirect = false;
        Http.Response r = new Http(translating.port()).post("/v1/reports", body);
        JsonNode e = ErrorsTest.assertError(r, 502);
        assertThat(e.get("code").asText()).isEqualTo("translation_failed");
        assertThat(r.body()).doesNotContain(SECRET).doesNotContain("127.0.0.1").doesNotContain(Integer.toString(upstream.getAddress().getPort()))
                .doesNotContain("/t/");
        String id = r.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(e.get("message").asText()).contains(id);
    }

    @Test
    void redirectsFromTheTranslationEndpointAreNotFollowed() {
        Map<String, Object> body = report(TinyModel.png());
        body.put("findings", "A red disc.");
        redirect = true;
        Http.Response r = new Http(translating.port()).post("/v1/reports", body);
        ErrorsTest.assertError(r, 502);
        assertThat(elsewhereHits.get()).as("requests that reached the redirect's target").isZero();
    }
}
