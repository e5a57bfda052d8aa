package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What reaches the server at the HTTP level: exact routes, strict bodies, Jetty's own errors in JSON, a port in use. */
class ProtocolTest {
    static final String KEY = "proto-key";
    static IrisServer open, keyed;
    static Http http, withKey, noKey;

    @BeforeAll
    static void start() {
        open = TinyModel.serve(ServeConfig.DEFAULTS, new EchoEngine());
        keyed = TinyModel.serve(ServeConfig.DEFAULTS.withApiKey(KEY), new EchoEngine());
        http = new Http(open.port());
        withKey = new Http(keyed.port(), KEY);
        noKey = new Http(keyed.port());
    }

    @AfterAll
    static void stop() {
        for (IrisServer s : new IrisServer[] {open, keyed}) if (s != null) s.stop();
    }

    /** Raw bytes over a socket; the whole answer (the server closes or answers Connection: close). */
    static String raw(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) got.write(buf, 0, n);
            } catch (java.net.SocketException e) {
                // reset after the answer: what arrived is what counts
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    static String raw(int port, String request) throws IOException {
        return raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An OpenAI-shaped JSON error with this status, from a raw answer. */
    static JsonNode jsonError(String response, int status) throws IOException {
        assertThat(response).as(response).startsWith("HTTP/1.1 " + status);
        String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
        assertThat(head).as(response).contains("content-type: application/json");
        JsonNode e = Http.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("error");
        assertThat(e).as(response).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).as(response).isTrue();
        return e;
    }

    @Test
    void contentTypeIsCheckedOnTheMatchedRouteWithATrailingSlashToo() {
        for (String path : new String[] {"/v1/chat/completions", "/v1/chat/completions/", "/v1/reports/", "/v1/reports"}) {
            Http.Response r = Http.send(http.request(path).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.JSON.valueToTree(Http.chat("hi", null, 3)).toString())).build());
            ErrorsTest.assertError(r, 415);
        }
        assertThat(http.post("/v1/chat/completions/", Http.chat("hi", null, 3)).status()).isEqualTo(200);
    }

    @Test
    void theKeyIsCheckedOnTheMatchedRouteWithATrailingSlashToo() {
        ErrorsTest.assertError(noKey.post("/v1/chat/completions/", Http.chat("hi", null, 3)), 401);
        ErrorsTest.assertError(noKey.get("/v1/models/"), 401);
        assertThat(withKey.post("/v1/chat/completions/", Http.chat("hi", null, 3)).status()).isEqualTo(200);
        assertThat(noKey.get("/health/").status()).isEqualTo(200);
    }

    @Test
    void bodiesAreStrictJson() {
        String ok = Http.JSON.valueToTree(Http.chat("hi", null, 3)).toString();
        assertThat(http.post("/v1/chat/completions", ok).status()).isEqualTo(200);
        JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", ok + " {\"more\": 1}"), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_json");
        ErrorsTest.assertError(http.post("/v1/chat/completions", ok + "garbage"), 400);
        e = ErrorsTest.assertError(http.post("/v1/chat/completions", "\uFEFF" + ok), 400);
        assertThat(e.get("message").asText()).contains("byte order mark");
        byte[] utf16 = ok.getBytes(StandardCharsets.UTF_16LE);
        Http.Response r = Http.send(http.request("/v1/chat/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf16)).build());
        assertThat(ErrorsTest.assertError(r, 400).get("code").asText()).isEqualTo("invalid_json");
    }

    @Test
    void base64WithJunkInsideIsRefused() {
        String b64 = Base64.getEncoder().encodeToString(TinyModel.png());
        for (String bad : new String[] {b64.substring(0, 20) + "*" + b64.substring(20), b64.substring(0, 20) + "\n" + b64.substring(20),
                b64.substring(0, 20) + " " + b64.substring(20), b64 + "=="}) {
            JsonNode e = ErrorsTest.assertError(http.post("/v1/chat/completions", Http.chat("x", "data:image/png;base64," + bad, 3)), 400);
            assertThat(e.get("code").asText()).isEqualTo("invalid_image");
            assertThat(e.get("message").asText()).contains("base64");
        }
    }

    @Test
    void longModelNamesAreNotEchoedWhole() {
        Map<String, Object> body = Http.chat("hi", null, 3);
        body.put("model", "m".repeat(100_000));
        Http.Response r = http.post("/v1/chat/completions", body);
        JsonNode e = ErrorsTest.assertError(r, 404);
        assertThat(r.body().length()).isLessThan(1000);
        assertThat(e.get("message").asText()).contains("100000 characters");
        assertThat(ErrorsTest.assertError(http.get("/v1/models/" + "x".repeat(4000)), 404).get("message").asText().length()).isLessThan(300);
    }

    @Test
    void jettysOwnErrorsAreJson() throws IOException {
        int port = open.port();
        assertThat(jsonError(raw(port, "GARBAGE\r\n\r\n"), 400).get("code").asText()).isEqualTo("bad_request");
        assertThat(jsonError(raw(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n"), 400)).isNotNull();
        String longUri = "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        assertThat(jsonError(raw(port, longUri), 414).get("code").asText()).isEqualTo("uri_too_long");
        String bigHeader = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n";
        assertThat(jsonError(raw(port, bigHeader), 431).get("code").asText()).isEqualTo("headers_too_large");
        assertThat(jsonError(raw(port, "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), 404)).isNotNull();
        String tooBig = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{";
        assertThat(jsonError(raw(port, tooBig), 413).get("code").asText()).isEqualTo("request_too_large");
        for (String other : new String[] {"GET /v1/chat/completions", "DELETE /v1/models", "PUT /health", "TRACE /", "OPTIONS /v1/reports"}) {
            String answer = raw(port, other + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(answer.substring(9, 12));
            assertThat(status).as(other + ": " + answer).isBetween(400, 499);
            jsonError(answer, status);
        }
        assertThat(jsonError(raw(port, "GET /health HTTP/7.1\r\nHost: 127.0.0.1\r\n\r\n"), 505).get("code").asText()).isEqualTo("http_version_not_supported");
        assertThat(raw(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    @Test
    void aPortInUseIsOneClearError() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> new IrisServer(ServeConfig.DEFAULTS, TinyModel.defaults()).start("127.0.0.1", port))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + port + ": the address is already in use");
        }
    }
}
