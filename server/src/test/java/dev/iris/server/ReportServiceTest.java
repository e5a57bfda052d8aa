package dev.iris.server;

import dev.iris.report.Report;
import dev.iris.report.ReportFonts;
import dev.iris.report.ReportRequest;
import dev.iris.report.ReportService;
import dev.iris.report.ReportSettings;
import dev.iris.report.ReportWriter;
import dev.iris.report.ReportWriterTest;
import dev.iris.report.TranslationException;
import dev.iris.report.Translator;
import static dev.iris.report.ReportWriterTest.flowing;
import static dev.iris.report.ReportWriterTest.png;
import static dev.iris.report.ReportWriterTest.render;
import static dev.iris.report.ReportWriterTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports from the tiny model end to end, with translation through an OpenAI-compatible stub server. */
class ReportServiceTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:15:30Z"), ZoneOffset.UTC);
    static final String ZH_FINDINGS = "图像显示白色背景上的一个红色圆形。\n未见其他异常。";
    static final String ZH_NOTICE = "此文本由机器学习模型生成。它不是诊断，不得用于医疗决策。";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static IrisConfig config;
    static VisionLanguageModel model;
    static HttpServer stub;
    /** The chat completion requests the stub received, with their Authorization header. */
    static final List<JsonNode> requests = Collections.synchronizedList(new ArrayList<>());
    static final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    static volatile int stubStatus = 200;

    @BeforeAll
    static void setUp() throws IOException {
        Path written = ModelInit.write(PluginRegistry.discover(), "tiny", dir.resolve("tiny"), 0).config();
        // sampled, not greedy: the random tiny model then writes varied text (greedy, it repeats one newline)
        config = new ConfigLoader().load(written, List.of("generate.max_new_tokens=24", "generate.temperature=1.0", "generate.seed=0"));
        model = VisionLanguageModel.load(config, PluginRegistry.discover());
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/v1/chat/completions", exchange -> {
            JsonNode req = JSON.readTree(exchange.getRequestBody());
            requests.add(req);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            String user = req.path("messages").path(1).path("content").asText();
            byte[] body;
            if (stubStatus != 200) {
                body = "{\"error\":{\"message\":\"model not loaded\"}}".getBytes(StandardCharsets.UTF_8);
            } else {
                // an OpenAI chat completion; a reasoning model's thinking comes first and must be dropped
                ObjectNode resp = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion").put("model", req.path("model").asText());
                resp.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                        .putObject("message").put("role", "assistant")
                        .put("content", "<think>\nTranslate carefully.\n</think>\n\n" + (user.equals(ReportWriter.NOTICE) ? ZH_NOTICE : ZH_FINDINGS));
                body = JSON.writeValueAsBytes(resp);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(stubStatus, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        stub.createContext("/slow/v1/chat/completions", exchange -> {
            try {
                Thread.sleep(3000); // longer than the test's timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        stub.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stub.start();
    }

    @AfterAll
    static void tearDown() {
        if (stub != null) stub.stop(0);
        if (model != null) model.close();
    }

    @BeforeEach
    void reset() {
        requests.clear();
        authorizations.clear();
        stubStatus = 200;
    }

    static String stubUrl() {
        return "http://127.0.0.1:" + stub.getAddress().getPort();
    }

    /** The config with a report section (IrisConfig.with does not check top-level keys, so this works before report is a known key). */
    static IrisConfig withReport(String... overrides) {
        return config.with(List.of(overrides));
    }

    @Test
    void reportOfTheTinyModelHasTheGeneratedFindingsAndEverySection() throws Exception {
        byte[] image = png();
        GenerateConfig gen = config.generate();
        GenerationResult expected = model.generate(VisionLanguageModel.Request.question(gen.system(), "Describe the image.",
                Optional.of(image), "circle.png"), gen, s -> {}, false);
        try (ReportService service = new ReportService(model, config, "9.9.9-test", CLOCK)) {
            StringBuilder streamed = new StringBuilder();
            Report r = service.report(ReportRequest.of(image, "circle.png", "Describe the image."), streamed::append);
            assertThat(r.findings()).isEqualTo(expected.text()).isEqualTo(streamed.toString());
            assertThat(r.findings()).matches("(?s).*[a-z]{4}.*"); // real text, so the comparison below means something
            assertThat(r.translation()).isEmpty();
            byte[] pdf = service.writer().toBytes(r);
            String text = text(pdf);
            assertThat(flowing(text)).contains("Prompt Describe the image. Findings " + ReportFonts.clean(expected.text()).replaceAll("\\s+", " ").strip());
            assertThat(flowing(text)).contains(ReportWriter.NOTICE, "Model and configuration",
                    "Vision encoder siglip, path: vision", "Language model qwen2, path: llm",
                    "Fusion projector (merge: sequential, factor: 4)", "none: initialised, not trained",
                    "max_new_tokens 24, temperature 1.0", "Iris version 9.9.9-test", "Date 2026-11-29 10:15:30 +00:00",
                    "Stop reason " + expected.stopReason());
            render(pdf, 0, "tiny-model.png");
        }
    }

    @Test
    void pdfAppliesTheRequestsSettings() throws Exception {
        try (ReportService service = new ReportService(model, config, "9.9.9-test", CLOCK)) {
            String json = "{\"image\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(png())
                    + "\",\"prompt\":\"What is shown?\",\"max_tokens\":3,\"temperature\":0}";
            byte[] pdf = service.pdf(ReportRequest.fromJson(json));
            assertThat(new String(pdf, 0, 5, StandardCharsets.ISO_8859_1)).isEqualTo("%PDF-");
            assertThat(flowing(text(pdf))).contains("What is shown?", "max_new_tokens 3, temperature 0.0", "uploaded image (no file name given), 64 × 48 pixels, PNG");
        }
    }

    @Test
    void translationIsPrintedUnderItsOwnHeadingAndExtracts() throws Exception {
        assumeTrue(Files.isRegularFile(ReportWriterTest.NOTO_CJK),
                "Noto Sans CJK is not installed (Debian: apt-get install fonts-noto-cjk): " + ReportWriterTest.NOTO_CJK);
        IrisConfig cfg = withReport("report.translate={endpoint: " + stubUrl() + ", model: stub-translator, language: Chinese, api_key: sk-test}");
        try (ReportService service = new ReportService(model, cfg, "9.9.9-test", CLOCK)) {
            Report r = service.report(ReportRequest.of(png(), "circle.png", "Describe the image."), s -> {});
            assertThat(r.translation()).isPresent();
            assertThat(r.translation().get().text()).isEqualTo(ZH_FINDINGS); // the thinking is gone
            assertThat(r.translation().get().notice()).contains(ZH_NOTICE);

            // what the translation server was asked
            JsonNode first = requests.get(0);
            assertThat(first.path("model").asText()).isEqualTo("stub-translator");
            assertThat(first.path("stream").asBoolean(true)).isFalse();
            assertThat(first.path("messages").path(0).path("role").asText()).isEqualTo("system");
            assertThat(first.path("messages").path(0).path("content").asText()).contains("into Chinese");
            assertThat(first.path("messages").path(1).path("role").asText()).isEqualTo("user");
            assertThat(first.path("messages").path(1).path("content").asText()).isEqualTo(r.findings());
            assertThat(authorizations).allMatch("Bearer sk-test"::equals);

            byte[] pdf = service.writer().toBytes(r);
            String text = text(pdf);
            assertThat(text).contains("Translation (Chinese)", "图像显示白色背景上的一个红色圆形。", "未见其他异常。", ZH_NOTICE,
                    "machine translation into Chinese by stub-translator");
            assertThat(flowing(text)).contains("Findings " + ReportFonts.clean(r.findings()).replaceAll("\\s+", " ").strip());
            render(pdf, 0, "translated.png");

            // the notice's translation is asked for once per service
            service.report(ReportRequest.of(png(), "circle.png", "Describe the image."), s -> {});
            assertThat(requests).hasSize(3);
        }
    }

    @Test
    void translationServerDownIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        IrisConfig cfg = withReport("report.translate={endpoint: 'http://127.0.0.1:" + port + "/', model: m, language: Chinese, timeout_seconds: 5}");
        try (ReportService service = new ReportService(model, cfg, "9.9.9-test", CLOCK)) {
            assertThatThrownBy(() -> service.pdf(ReportRequest.of(png(), "circle.png", "Describe the image.")))
                    .isInstanceOf(TranslationException.class)
                    .hasMessage("translation failed: POST http://127.0.0.1:" + port + "/v1/chat/completions: cannot connect: connection refused"
                            + " (is the translation server running, and is report.translate.endpoint right?)");
        }
    }

    @Test
    void translationServerErrorNamesTheStatus() {
        stubStatus = 503;
        IrisConfig cfg = withReport("report.translate={endpoint: " + stubUrl() + "/v1, model: m, language: Chinese}");
        try (ReportService service = new ReportService(model, cfg, "9.9.9-test", CLOCK)) {
            assertThatThrownBy(() -> service.pdf(ReportRequest.of(png(), "circle.png", "Describe the image.")))
                    .isInstanceOf(TranslationException.class)
                    .hasMessage("translation failed: POST " + stubUrl() + "/v1/chat/completions: HTTP 503: {\"error\":{\"message\":\"model not loaded\"}}");
        }
    }

    @Test
    void translationTimeoutIsAClearError() {
        IrisConfig cfg = withReport("report.translate={endpoint: " + stubUrl() + "/slow, model: m, language: Chinese, timeout_seconds: 0.5}");
        try (ReportService service = new ReportService(model, cfg, "9.9.9-test", CLOCK)) {
            assertThatThrownBy(() -> service.pdf(ReportRequest.of(png(), "circle.png", "Describe the image.")))
                    .isInstanceOf(TranslationException.class)
                    .hasMessage("translation failed: POST " + stubUrl() + "/slow/v1/chat/completions: no answer within 0.5 s (report.translate.timeout_seconds)");
        }
    }

    @Test
    void aPromptTheFontsCannotDrawFailsBeforeGenerating() {
        try (ReportService service = new ReportService(model, config, "9.9.9-test", CLOCK)) {
            assertThatThrownBy(() -> service.report(ReportRequest.of(png(), "circle.png", "Describe \uE000"),
                    s -> { throw new AssertionError("generation started"); }))
                    .isInstanceOf(IrisException.class)
                    .hasMessageStartingWith("the prompt contains characters no configured font can draw: \"\uE000\" (U+E000)");
        }
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> ReportSettings.from(withReport("report.colour=red")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--set report.colour=red: unknown key 'report.colour' (known in report: font, cjk_font, translate)");
        assertThatThrownBy(() -> ReportSettings.from(withReport("report.translate={endpoint: x, model: m, language: zh}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("report.translate.endpoint: expected an http:// or https:// URL but got \"x\"");
        assertThatThrownBy(() -> ReportSettings.from(withReport("report.translate={endpoint: 'http://h', language: zh}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("report.translate.model: required field is missing");
        assertThatThrownBy(() -> ReportSettings.from(withReport("report.translate={endpoint: 'http://h', model: m, language: zh, key: k}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown key 'report.translate.key'");
        assertThatThrownBy(() -> new ReportService(model, withReport("report.cjk_font=" + dir.resolve("none.ttc")), "v"))
                .isInstanceOf(IrisException.class)
                .hasMessage("report.cjk_font: font file not found: " + dir.resolve("none.ttc"));
        ReportSettings s = ReportSettings.from(withReport("report.translate={endpoint: 'http://h:1', model: m, language: ja, api_key: secret}"));
        assertThat(s.translate().orElseThrow().toString()).doesNotContain("secret");
        assertThat(ReportFonts.cjkFace("Japanese")).isEqualTo("JP");
        assertThat(ReportFonts.cjkFace("zh-TW")).isEqualTo("TC");
        assertThat(ReportFonts.cjkFace("Chinese")).isEqualTo("SC");
    }

    @Test
    void chatCompletionsUrlFromTheConfiguredEndpoint() {
        assertThat(Translator.chatCompletions(java.net.URI.create("http://h:8080"))).hasToString("http://h:8080/v1/chat/completions");
        assertThat(Translator.chatCompletions(java.net.URI.create("http://h:8080/v1/"))).hasToString("http://h:8080/v1/chat/completions");
        assertThat(Translator.chatCompletions(java.net.URI.create("https://h/api/v1/chat/completions"))).hasToString("https://h/api/v1/chat/completions");
    }

    @Test
    void requestJsonIsCheckedByField() {
        String img = "data:image/png;base64," + Base64.getEncoder().encodeToString(png());
        ReportRequest ok = ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\",\"image_name\":\"a.png\"}");
        assertThat(ok.imageName()).isEqualTo("a.png");
        // the client's file name (its last path element), else a label that does not pose as one
        assertThat(ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\",\"image_name\":\"C:\\\\scans\\\\x-ray 7.jpg\"}").imageName())
                .isEqualTo("x-ray 7.jpg");
        assertThat(ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\"}").imageName()).isEqualTo(ReportRequest.UNNAMED);
        // base64 is decoded strictly: a line break or a stray character inside is an error, not skipped
        String broken = img.substring(0, 40) + "\\n" + img.substring(40);
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + broken + "\",\"prompt\":\"p\"}"))
                .hasMessageStartingWith("image: the base64 data is malformed");
        String junk = img.substring(0, 40) + "*" + img.substring(40);
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + junk + "\",\"prompt\":\"p\"}"))
                .hasMessageStartingWith("image: the base64 data is malformed");
        assertThat(ok.settings(GenerateConfig.DEFAULTS)).isEqualTo(GenerateConfig.DEFAULTS);
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"prompt\":\"p\"}")).hasMessage("image: required field is missing");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + img + "\"}")).hasMessage("prompt: required field is missing");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\",\"model\":\"x\"}"))
                .hasMessage("unknown field \"model\" (known: image, image_name, prompt, max_tokens, temperature)");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"data:image/gif;base64,R0lG\",\"prompt\":\"p\"}"))
                .hasMessage("image: expected image/png or image/jpeg but got image/gif");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"http://x/a.png\",\"prompt\":\"p\"}"))
                .hasMessageStartingWith("image: expected a data URL");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"data:image/png;base64,AAAA\",\"prompt\":\"p\"}"))
                .hasMessage("the image is neither a PNG nor a JPEG file");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\",\"max_tokens\":0}"))
                .hasMessage("max_tokens: expected an integer >= 1 but got 0");
        assertThatThrownBy(() -> ReportRequest.fromJson("{\"image\":\"" + img + "\",\"prompt\":\"p\",\"temperature\":\"hot\"}"))
                .hasMessage("temperature: expected a number but got \"hot\"");
        assertThatThrownBy(() -> ReportRequest.fromJson("not json")).hasMessageStartingWith("the request is not valid JSON");
    }
}
