package dev.iris.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.report.ReportService;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iris HTTP server: OpenAI-compatible chat completions (JSON or Server-Sent Events) over
 * one vision-language model, its model list, health, readiness and Prometheus metrics, and a
 * web page. Limits come from {@link ServeConfig}: body and image size, max_tokens cap, a
 * bounded queue in front of a fixed number of workers, a per-request deadline, and a drain on
 * shutdown. With an API key every route but {@code /health} and the page's own files needs
 * {@code Authorization: Bearer <key>}.
 *
 * <p>Start it, then hand it the model with {@link #ready(ChatEngine)} once it is loaded: until
 * then {@code /ready} and the completions answer 503.
 */
public final class IrisServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IrisServer.class);

    static final String CLIENT_GONE = "iris.client-gone";
    private static final String STARTED = "iris.started";
    private static final String ERROR_WRITTEN = "iris.error-written";

    /** Routes (for metric labels: anything else is "unmatched", so random paths cannot blow up the label set). */
    static final Set<String> ROUTES = Set.of("/v1/chat/completions", "/v1/models", "/v1/reports", "/health", "/ready", "/metrics",
            "/", "/app.js", "/style.css");
    /** Open without the API key: liveness, and the page's own files (the page asks for the key itself). */
    private static final Set<String> OPEN = Set.of("/health", "/", "/app.js", "/style.css");
    /** Answered while draining (/ready answers 503 itself); every other route gets 503. */
    private static final Set<String> DURING_DRAIN = Set.of("/health", "/ready", "/metrics");

    private final ServeConfig config;
    private final GenerateConfig defaults;
    private final ObjectMapper json = new ObjectMapper();
    private final Admission admission;
    private final ServerMetrics metrics;
    private final Images images;
    private final WebAssets web = new WebAssets();
    private final byte[] keyHash;
    private final ConnectionGuard guard;
    private final AtomicReference<ChatEngine> engine = new AtomicReference<>();
    private final AtomicReference<ReportService> reports = new AtomicReference<>();
    private volatile boolean draining, aborting, stopped;
    private Javalin app;
    private boolean loopbackOnly;

    /** {@code defaults}: the config's generate section (temperature, top_p, seed, top_k, repetition penalty, max_new_tokens). */
    public IrisServer(ServeConfig config, GenerateConfig defaults) {
        this.config = config;
        this.defaults = defaults;
        this.admission = new Admission(config.workers(), config.queue());
        this.metrics = new ServerMetrics(admission, () -> {
            ChatEngine e = engine.get();
            return e == null ? 0 : e.decoding();
        });
        this.images = new Images(config);
        this.keyHash = config.apiKey().map(IrisServer::sha256).orElse(null);
        this.guard = new ConnectionGuard(config.connections());
    }

    /** Listens on {@code host:port} (port 0: any free port, see {@link #port()}). */
    public synchronized IrisServer start(String host, int port) {
        if (app != null) throw new IllegalStateException("already started");
        loopbackOnly = BindAddress.isLoopback(host);
        refuseIfInUse(host, port);
        ChatCompletions chat = new ChatCompletions(this, json);
        ReportsRoute reports = new ReportsRoute(this);
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.compressionStrategy = CompressionStrategy.NONE;   // events must reach the client as they are written
            // waiting requests hold a thread each: room for the queue, the workers and the quick routes
            QueuedThreadPool threads = new QueuedThreadPool(Math.max(64, config.queue() + config.workers() + 32), 8, 60_000);
            threads.setName("iris-http");
            cfg.jetty.threadPool = threads;
            cfg.jetty.modifyServer(server -> {
                // stop() lets responses being written finish (a generation's slot is free before its JSON is sent)
                server.insertHandler(new GracefulHandler());
                // bodies arrive in full, within their time limits, before a route (and a thread) takes them
                server.insertHandler(new RequestBodies(config, guard));
                server.setErrorHandler(new JsonErrorHandler());
                server.setStopTimeout(5_000);
            });

            cfg.routes.before(this::before);
            cfg.routes.get("/health", ctx -> sendJson(ctx, 200, status("ok")));
            cfg.routes.get("/ready", this::readyRoute);
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            cfg.routes.get("/v1/models", this::models);
            cfg.routes.get("/v1/models/{id}", this::model);
            cfg.routes.post("/v1/chat/completions", chat::handle);
            cfg.routes.post("/v1/reports", reports::handle);
            cfg.routes.get("/", ctx -> web.send(ctx, "index.html"));
            cfg.routes.get("/app.js", ctx -> web.send(ctx, "app.js"));
            cfg.routes.get("/style.css", ctx -> web.send(ctx, "style.css"));
            cfg.routes.after(this::after);

            cfg.routes.exception(ApiError.class, (e, ctx) -> sendError(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> sendError(ctx, fromJavalin(e)));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                sendError(ctx, ApiError.internal("internal error: " + e.getClass().getSimpleName()));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.attribute(ERROR_WRITTEN) == null) {
                    sendError(ctx, ApiError.notFound(null, "unknown_url", "Unknown request URL: " + ctx.method() + " " + ctx.path()));
                }
            });
        });
        try {
            app.start(host, port);
        } catch (RuntimeException e) {
            app = null;
            throw new IrisException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        // a long generation or queue wait must not be cut by Jetty's idle timeout (default 30 s)
        long idleMs = (long) ((config.deadlineS() + 30) * 1000);
        for (Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(idleMs);
                sc.addEventListener(guard);
            }
        }
        guard.start();
        LOG.info("Iris serving on http://{}:{} ({})", show(host), port(), config);
        config.apiKey().ifPresent(k -> LOG.info("API key required (from {})", config.apiKeyFrom()));
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The per-client connection bounds (tests read its counts). */
    ConnectionGuard connectionGuard() {
        return guard;
    }

    /** The model is loaded and prepared: completions are served and {@code /ready} answers 200. */
    public void ready(ChatEngine model) {
        engine.set(model);
        LOG.info("model ready: {}", config.modelName());
    }

    /** Enables {@code POST /v1/reports} (without it the route answers 501). */
    public void reports(ReportService service) {
        reports.set(service);
    }

    Optional<ReportService> reports() {
        return Optional.ofNullable(reports.get());
    }

    public boolean isReady() {
        return engine.get() != null && !draining;
    }

    /**
     * Stops: new requests get 503 at once, requests under way (running or queued) get up to
     * {@code drain_s} to finish; generations still running then are stopped. Returns when the
     * server is closed.
     */
    public void stop() {
        synchronized (this) {
            if (stopped || app == null) return;
            stopped = true;
        }
        draining = true;
        admission.close();
        LOG.info("draining: waiting up to {} s for {} running and {} queued requests", config.drainS(), admission.running(), admission.waiting());
        try {
            if (!admission.awaitIdle((long) (config.drainS() * 1e9))) {
                LOG.warn("drain time is up: stopping {} generations", admission.running());
                aborting = true;
                admission.awaitIdle(TimeUnit.SECONDS.toNanos(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        guard.close();
        LOG.info("Iris server stopped");
    }

    @Override
    public void close() {
        stop();
    }

    /** Prometheus text, as {@code GET /metrics} answers it. */
    public String scrapeMetrics() {
        return metrics.scrape();
    }

    // ------------------------------------------------------------------ for the routes

    ServeConfig config() {
        return config;
    }

    GenerateConfig defaults() {
        return defaults;
    }

    Admission admission() {
        return admission;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    Images images() {
        return images;
    }

    boolean aborting() {
        return aborting;
    }

    /** Shutdown has begun (draining or past it). */
    boolean stopping() {
        return draining;
    }

    int retryWhileDraining() {
        return (int) Math.max(1, Math.ceil(config.drainS()));
    }

    /** The model, or 503 while it is loading or the server is draining. */
    ChatEngine engine() {
        if (draining) throw ApiError.unavailable("draining", "the server is shutting down", retryWhileDraining());
        ChatEngine e = engine.get();
        if (e == null) throw ApiError.unavailable("not_ready", "the model is still loading", 5);
        return e;
    }

    void sendJson(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectNode errorBody(ApiError e) {
        return e.body(json);
    }

    // ------------------------------------------------------------------ handlers

    private void before(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        if (loopbackOnly && !hostAllowed(ctx.header("Host"))) {
            // a page elsewhere that rebinds its DNS name to 127.0.0.1 must not reach a loopback-only server
            throw new ApiError(403, "permission_error", "host_not_allowed", null,
                    "this server listens on loopback only and answers requests for localhost / 127.0.0.1 / [::1] only", null);
        }
        String route = route(ctx);
        if (keyHash != null && !OPEN.contains(route)) {
            String h = ctx.header("Authorization");
            if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw ApiError.unauthorized("You didn't provide an API key: send it as 'Authorization: Bearer <key>'");
            }
            // compare digests: equal length, so the comparison time does not depend on where they differ
            if (!MessageDigest.isEqual(sha256(h.substring(7).strip()), keyHash)) {
                throw ApiError.unauthorized("Incorrect API key provided");
            }
        }
        if (draining && !DURING_DRAIN.contains(route)) {
            throw ApiError.unavailable("draining", "the server is shutting down", retryWhileDraining());
        }
        String length = ctx.header("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "Content-Length is not a number");
            }
            if (n > config.maxBodyBytes()) throw bodyTooLarge();
        }
    }

    /** The path as routes match it: Javalin ignores trailing slashes, so the checks must too. */
    static String route(Context ctx) {
        String p = ctx.path();
        int end = p.length();
        while (end > 1 && p.charAt(end - 1) == '/') end--;
        return p.substring(0, end);
    }

    private void after(Context ctx) {
        Long t0 = ctx.attribute(STARTED);
        long nanos = t0 == null ? 0 : System.nanoTime() - t0;
        String path = route(ctx);
        String route = ROUTES.contains(path) ? path : path.startsWith("/v1/models/") ? "/v1/models/{id}" : "unmatched";
        int status = Boolean.TRUE.equals(ctx.attribute(CLIENT_GONE)) ? 499 : ctx.statusCode();   // 499: nginx's "client closed request"
        metrics.request(route, ctx.method().name(), status, nanos);
    }

    private void readyRoute(Context ctx) {
        if (draining) throw ApiError.unavailable("draining", "the server is shutting down", retryWhileDraining());
        if (engine.get() == null) throw ApiError.unavailable("not_ready", "the model is still loading", 5);
        sendJson(ctx, 200, status("ready"));
    }

    private ObjectNode modelObject() {
        ObjectNode m = json.createObjectNode();
        m.put("id", config.modelName());
        m.put("object", "model");
        m.put("created", 0);
        m.put("owned_by", "iris");
        return m;
    }

    private void models(Context ctx) {
        ObjectNode list = json.createObjectNode();
        list.put("object", "list");
        list.putArray("data").add(modelObject());
        sendJson(ctx, 200, list);
    }

    private void model(Context ctx) {
        String id = ctx.pathParam("id");
        if (!id.equals(config.modelName())) {
            throw ApiError.notFound("model", "model_not_found", "The model " + ApiError.quote(id) + " does not exist (this server has '" + config.modelName() + "')");
        }
        sendJson(ctx, 200, modelObject());
    }

    private ObjectNode status(String s) {
        ObjectNode o = json.createObjectNode();
        o.put("status", s);
        return o;
    }

    private void sendError(Context ctx, ApiError e) {
        if (ctx.res().isCommitted()) return;   // a stream already under way reports errors as events
        ctx.attribute(ERROR_WRITTEN, true);
        e.retryAfterS().ifPresent(s -> ctx.header("Retry-After", Integer.toString(s)));
        if (e.status() == 413) ctx.header("Connection", "close");   // the rest of a huge body is not read
        sendJson(ctx, e.status(), errorBody(e));
    }

    private ApiError bodyTooLarge() {
        return bodyTooLarge(config);
    }

    static ApiError bodyTooLarge(ServeConfig config) {
        return ApiError.tooLarge(null, "request_too_large", "the request body is larger than " + config.maxBodyBytes() + " bytes (serve.max_body_bytes)");
    }

    /** A port in use is one clear error, before Javalin would log its own stack trace. */
    private static void refuseIfInUse(String host, int port) {
        if (port == 0) return;
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);   // as Jetty binds: a port in TIME_WAIT is free
            probe.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw new PortInUseException(host, port);
        } catch (IOException e) {
            throw new IrisException("cannot listen on " + show(host) + ":" + port + ": " + e.getMessage(), e);
        }
    }

    static String show(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static ApiError fromJavalin(HttpResponseException e) {
        return switch (e.getStatus()) {
            case 404 -> ApiError.notFound(null, "unknown_url", e.getMessage());
            case 413 -> ApiError.tooLarge(null, "request_too_large", e.getMessage());
            case 400 -> ApiError.badRequest(null, e.getMessage());
            default -> new ApiError(e.getStatus(), e.getStatus() >= 500 ? "server_error" : "invalid_request_error", null, null, e.getMessage(), null);
        };
    }

    private boolean hostAllowed(String hostHeader) {
        if (hostHeader == null) return true;   // HTTP/1.0 clients: nothing to rebind
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end > 0 ? h.substring(1, end) : h;
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.contains(":")) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.equals("localhost") || h.equals("127.0.0.1") || h.equals("::1") || h.endsWith(".localhost");
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
