package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Raw HTTP for the tests: java.net.http on loopback. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

    record Response(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The error object of an OpenAI-shaped error body. */
        JsonNode error() {
            return json().get("error");
        }
    }

    private final String base;
    private final String key;

    Http(int port, String key) {
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
    }

    Http(int port) {
        this(port, null);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b;
    }

    Response get(String path) {
        return send(request(path).GET().build());
    }

    Response post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Response post(String path, Object body) {
        try {
            return post(path, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response send(HttpRequest r) {
        try {
            HttpResponse<String> resp = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
            return new Response(resp.statusCode(), resp.headers(), resp.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A chat request body: one user turn with text and, when given, an image URL. */
    static java.util.Map<String, Object> chat(String text, String imageUrl, int maxTokens) {
        java.util.List<Object> content = new java.util.ArrayList<>();
        content.add(java.util.Map.of("type", "text", "text", text));
        if (imageUrl != null) content.add(java.util.Map.of("type", "image_url", "image_url", java.util.Map.of("url", imageUrl)));
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("model", "iris");
        body.put("messages", java.util.List.of(java.util.Map.of("role", "user", "content", content)));
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        return body;
    }

    /** The value of a Prometheus sample line {@code name{labels} value} (0 when absent); labels must match in order given. */
    static double metric(String scrape, String name, String... labels) {
        double total = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) continue;
            String rest = line.substring(name.length());
            if (!rest.startsWith("{") && !rest.startsWith(" ")) continue;
            boolean ok = true;
            for (String l : labels) ok &= rest.contains(l);
            if (ok) total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return total;
    }
}
