package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded load run on loopback: 200 requests from 16 concurrent clients against one worker
 * and a queue of 8. Every answer is either complete or a clean 429 with Retry-After; no 5xx.
 */
class LoadTest {
    static final int REQUESTS = 200, CLIENTS = 16, QUEUE = 8, WORKERS = 1, MAX_TOKENS = 8;
    static IrisServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = TinyModel.serve(ServeConfig.DEFAULTS.withLoad(QUEUE, WORKERS, 60, 10));
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    record Result(int status, boolean complete, String retryAfter, long nanos) {}

    @Test
    void boundedLoadGivesCompleteAnswersOrClean429s() throws Exception {
        String image = TinyModel.dataUri(TinyModel.png());
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<Result>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            final int n = i;
            futures.add(clients.submit(() -> {
                boolean stream = n % 2 == 1;
                Map<String, Object> body = Http.chat("Describe the image, request " + n + ".", n % 4 < 2 ? image : null, MAX_TOKENS);
                body.put("stream", stream);
                long s = System.nanoTime();
                Http.Response r = Http.send(http.request("/v1/chat/completions").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Http.JSON.writeValueAsString(body))).build());
                long took = System.nanoTime() - s;
                boolean complete = r.status() == 200 && (stream
                        ? r.body().contains("\"finish_reason\":\"length\"") && r.body().endsWith("data: [DONE]\n\n")
                        : r.json().at("/usage/completion_tokens").asInt() == MAX_TOKENS && r.json().at("/choices/0/finish_reason").asText().equals("length"));
                if (r.status() == 429) {
                    assertThat(r.error().get("code").asText()).isEqualTo("queue_full");
                }
                return new Result(r.status(), complete, r.headers().firstValue("Retry-After").orElse(null), took);
            }));
        }
        clients.shutdown();
        assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("the run is bounded in time").isTrue();
        double wallS = (System.nanoTime() - t0) / 1e9;

        List<Result> results = new ArrayList<>();
        for (Future<Result> f : futures) results.add(f.get());
        long ok = results.stream().filter(r -> r.status() == 200).count();
        long busy = results.stream().filter(r -> r.status() == 429).count();
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isIn(200, 429);
            if (r.status() == 200) assertThat(r.complete()).isTrue();
            if (r.status() == 429) assertThat(r.retryAfter()).isNotNull().matches("[1-9][0-9]*");
        });
        assertThat(ok + busy).isEqualTo(REQUESTS);
        assertThat(ok).isPositive();

        List<Double> ms = new ArrayList<>(results.stream().filter(r -> r.status() == 200).map(r -> r.nanos() / 1e6).toList());
        Collections.sort(ms);
        System.out.printf("load: %d requests, %d clients, queue %d, workers %d, max_tokens %d: %d complete, %d x 429 in %.2f s "
                        + "(%.1f answers/s); latency of complete answers p50 %.0f ms, p95 %.0f ms, max %.0f ms%n",
                REQUESTS, CLIENTS, QUEUE, WORKERS, MAX_TOKENS, ok, busy, wallS, ok / wallS,
                ms.get(ms.size() / 2), ms.get((int) Math.floor(ms.size() * 0.95)), ms.get(ms.size() - 1));

        String m = http.get("/metrics").body();
        assertThat(Http.metric(m, "iris_http_requests_total", "status=\"5")).as("no 5xx").isZero();
        assertThat(Http.metric(m, "iris_http_requests_total", "route=\"/v1/chat/completions\"", "status=\"429\"")).isEqualTo(busy);
        assertThat(Http.metric(m, "iris_inflight")).isZero();
        assertThat(Http.metric(m, "iris_queue_depth")).isZero();
    }
}
