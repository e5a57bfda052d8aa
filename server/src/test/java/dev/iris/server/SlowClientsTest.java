package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bounded slow-client run on loopback: 70 connections send a chat request whose body comes one
 * byte at a time (a slowloris on the body) while normal clients ask for /health and for
 * completions. Before, every waiting body held one of the 64 Jetty threads and every route timed
 * out until the slow clients stopped; now bodies are received without a thread, so the normal
 * requests are answered at once, and the slow ones get 408 when their body time is up.
 */
class SlowClientsTest {
    static final int SLOW = 70;

    static Socket slowClient(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(15_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    @Test
    void slowBodiesDoNotStopHealthOrNormalRequests() throws Exception {
        // room for all of them from one address; a body must arrive within 5 s
        ServeConfig cfg = ServeConfig.DEFAULTS.withConnections(new ServeConfig.Connections(30, 5, 1, 200));
        IrisServer server = TinyModel.serve(cfg, new EchoEngine());
        Http http = new Http(server.port());
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW; i++) slow.add(slowClient(server.port()));
            double slowest = 0;
            for (int round = 0; round < 5; round++) {
                for (Socket s : slow) {
                    s.getOutputStream().write(' ');   // one byte each, every round
                    s.getOutputStream().flush();
                }
                long t0 = System.nanoTime();
                Http.Response health = Http.send(http.request("/health").timeout(java.time.Duration.ofSeconds(5)).GET().build());
                Http.Response chat = Http.send(http.request("/v1/chat/completions").timeout(java.time.Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Http.JSON.valueToTree(Http.chat("hi", null, 3)).toString())).build());
                double ms = (System.nanoTime() - t0) / 1e6;
                assertThat(health.status()).isEqualTo(200);
                assertThat(chat.status()).as(chat.body()).isEqualTo(200);
                assertThat(ms).as("/health and a completion answered while %d bodies dribble in", SLOW).isLessThan(3000);
                slowest = Math.max(slowest, ms);
                Thread.sleep(100);
            }
            System.out.printf("slow clients: %d bodies dribbling; /health + a completion answered in at most %.0f ms%n", SLOW, slowest);
            long t0 = System.nanoTime();
            // the slow clients' body time runs out: each gets a JSON 408 and its connection closes
            for (Socket s : slow) {
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 408").contains("serve.body_timeout_s");
            }
            System.out.printf("slow clients: all %d got 408 within %.1f s of the probes' end%n", SLOW, (System.nanoTime() - t0) / 1e9);
        } finally {
            for (Socket s : slow) s.close();
            server.stop();
        }
    }

    @Test
    void connectionsPerClientAreCappedAndIdleHeadersTimeOut() throws Exception {
        ServeConfig cfg = ServeConfig.DEFAULTS.withConnections(new ServeConfig.Connections(1.5, 3, 1, 4));
        IrisServer server = TinyModel.serve(cfg, new EchoEngine());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));   // headers never finished
                held.add(s);
            }
            // a socket is connected before the server has accepted it: count the four as the server sees them first
            ErrorsTest.await(() -> server.connectionGuard().connections(InetAddress.getLoopbackAddress()) == 4);
            Socket fifth = new Socket(InetAddress.getLoopbackAddress(), server.port());
            fifth.setSoTimeout(5_000);
            fifth.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readOrClosed(fifth)).as("a fifth connection from the same address is closed").doesNotContain("200");
            // the four never finish their headers: closed after header_timeout_s
            long t0 = System.nanoTime();
            for (Socket s : held) {
                s.setSoTimeout(5_000);
                assertThat(readOrClosed(s)).isEmpty();
            }
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(4);
            ErrorsTest.await(() -> new Http(server.port()).get("/health").status() == 200);
        } finally {
            for (Socket s : held) s.close();
            server.stop();
        }
    }

    /** What the server sent before closing ("" when it closed without a word). */
    static String readOrClosed(Socket s) throws IOException {
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.net.SocketException e) {
            return "";
        }
    }
}
