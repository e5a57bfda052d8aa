package dev.iris.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** The web page's three files, read once from the jar ({@code web/}); no external assets. */
final class WebAssets {
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");
    // the page loads only its own files; images it shows are data:/blob: URLs of the user's own pick
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final Map<String, byte[]> files;

    WebAssets() {
        files = Map.of("index.html", read("index.html"), "app.js", read("app.js"), "style.css", read("style.css"));
    }

    private static byte[] read(String name) {
        try (InputStream in = WebAssets.class.getResourceAsStream("/web/" + name)) {
            if (in == null) throw new IllegalStateException("web/" + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(Context ctx, String name) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(TYPES.get(name)).result(files.get(name));
    }
}
