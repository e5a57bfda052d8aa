package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import dev.iris.report.ReportService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/reports} over real HTTP, with the findings translated into Chinese by a second
 * Iris server acting as the OpenAI-compatible translation endpoint.
 */
class ReportsOverHttpTest {
    static final String CHINESE = "图像中有一个红色圆盘。这不是诊断。";
    static final Path NOTO = Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    static IrisServer translator, server;

    /** The second server's model: it answers every request with the same Chinese sentence. */
    static final class FixedTranslation extends FakeEngine {
        @Override
        public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText) {
            onText.accept(CHINESE);
            return new GenerationResult(CHINESE, new long[20], new long[8], "stop", 0, 0, List.of());
        }
    }

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.exists(NOTO), "Chinese report test skipped: install fonts-noto-cjk (Debian) for " + NOTO);
        translator = TinyModel.serve(ServeConfig.DEFAULTS, new FixedTranslation());
        server = TinyModel.serve(ServeConfig.DEFAULTS);
        var cfg = TinyModel.config().with(List.of(
                "report.translate={endpoint: 'http://127.0.0.1:" + translator.port() + "', model: iris, language: Chinese}",
                "report.cjk_font=" + NOTO));
        server.reports(new ReportService(TinyModel.model(), cfg, "test"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
        if (translator != null) translator.stop();
    }

    private static HttpResponse<byte[]> post(String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/reports"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aReportWithItsChineseTranslation() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(TinyModel.png()));
        body.put("image_name", "disc.png");
        body.put("prompt", "Describe the image.");
        body.put("findings", "A red disc on a white background.");
        HttpResponse<byte[]> resp = post(new ObjectMapper().writeValueAsString(body));
        assertThat(resp.statusCode()).as(new String(resp.body())).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/pdf"));
        try (PDDocument doc = Loader.loadPDF(resp.body())) {
            String text = new PDFTextStripper().getText(doc);
            assertThat(text).contains("Describe the image.", "A red disc on a white background.", "disc.png", "not a diagnosis");
            assertThat(text.replaceAll("\\s+", "")).contains(CHINESE);
        }
    }

    @Test
    void badRequestsAreExplained() throws Exception {
        HttpResponse<byte[]> noImage = post("{\"prompt\": \"Describe.\"}");
        assertThat(noImage.statusCode()).isEqualTo(400);
        assertThat(new String(noImage.body())).contains("image: required field is missing");
        HttpResponse<byte[]> notPng = post("{\"prompt\": \"x\", \"image\": \"data:image/gif;base64,R0lGOD\"}");
        assertThat(notPng.statusCode()).isEqualTo(400);
        assertThat(new String(notPng.body())).contains("image/png or image/jpeg");
    }
}
