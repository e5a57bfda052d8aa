package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client that leaves mid-stream stops its generation. */
class DisconnectTest {
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

    @Test
    void closingTheStreamAfterTheFirstChunkEndsTheGeneration() throws Exception {
        double tokensBefore = Http.metric(http.get("/metrics").body(), "iris_generated_tokens_total");
        // 1000 tokens, and a stop sequence that cannot occur: only the disconnect can end this early
        Map<String, Object> body = Http.chat("Describe the image.", TinyModel.dataUri(TinyModel.png()), 1000);
        body.put("stream", true);
        body.put("stop", "never-written-\u0000");
        byte[] json = Http.JSON.writeValueAsBytes(body);
        long closedAt;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("HTTP/1.1 200");
            int events = 0;
            for (String line; events < 2 && (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) events++;   // the role chunk, then the first text
            }
            assertThat(events).isEqualTo(2);
            closedAt = System.nanoTime();
        }
        // the generation ends soon after: nothing runs any more, and it is counted as a client that left
        long end = System.nanoTime() + 5_000_000_000L;
        String m;
        do {
            Thread.sleep(10);
            m = http.get("/metrics").body();
        } while (Http.metric(m, "iris_generations_total", "outcome=\"client_gone\"") < 1 && System.nanoTime() < end);
        double stoppedAfterS = (System.nanoTime() - closedAt) / 1e9;
        assertThat(Http.metric(m, "iris_generations_total", "outcome=\"client_gone\"")).isEqualTo(1);
        assertThat(Http.metric(m, "iris_inflight")).isZero();
        double generated = Http.metric(m, "iris_generated_tokens_total") - tokensBefore;
        System.out.printf("disconnect: generation stopped %.3f s after the client closed, after %.0f of 1000 tokens%n", stoppedAfterS, generated);
        assertThat(generated).isLessThan(200);
        assertThat(Http.metric(m, "iris_http_requests_total", "route=\"/v1/chat/completions\"", "status=\"499\"")).isEqualTo(1);
        // and the server goes on serving
        assertThat(http.post("/v1/chat/completions", Http.chat("again", null, 3)).status()).isEqualTo(200);
    }
}
