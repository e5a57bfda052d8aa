package dev.iris.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics: requests by route and status, errors by type, queue depth,
 * generations in flight and in the shared decode steps, request latency (histogram), and prompt
 * and generated tokens.
 */
final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter generatedTokens;
    private final Counter promptTokens;

    /** @param decoding generations in the model's shared decode steps now */
    ServerMetrics(Admission admission, IntSupplier decoding) {
        Gauge.builder("iris.queue.depth", admission, Admission::waiting)
                .description("Requests waiting for a worker").register(registry);
        Gauge.builder("iris.inflight", admission, Admission::running)
                .description("Generations running now").register(registry);
        Gauge.builder("iris.decode.sequences", decoding, d -> d.getAsInt()).strongReference(true)   // a lambda: held here only
                .description("Generations decoding together in each step now").register(registry);
        generatedTokens = Counter.builder("iris.generated.tokens").description("Tokens generated").register(registry);
        promptTokens = Counter.builder("iris.prompt.tokens").description("Prompt tokens processed").register(registry);
    }

    void request(String route, String method, int status, long nanos) {
        String s = Integer.toString(status);
        Counter.builder("iris.http.requests").description("HTTP requests by route, method and status")
                .tag("route", route).tag("method", method).tag("status", s).register(registry).increment();
        Timer.builder("iris.http.request.duration").description("HTTP request latency (streams: until the last event)")
                .tag("route", route).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry).record(Duration.ofNanos(nanos));
        if (status >= 400) {
            Counter.builder("iris.http.errors").description("HTTP responses with an error status")
                    .tag("route", route).tag("status", s).register(registry).increment();
        }
    }

    /** One generation ended: how, and with how many tokens. */
    void generation(String outcome, int prompt, int generated) {
        Counter.builder("iris.generations").description("Generations by outcome (stop, length, client_gone, deadline, shutdown, error)")
                .tag("outcome", outcome).register(registry).increment();
        promptTokens.increment(prompt);
        generatedTokens.increment(generated);
    }

    String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }
}
