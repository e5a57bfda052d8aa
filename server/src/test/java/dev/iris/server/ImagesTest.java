package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Remote images: only allowed hosts, fetched with a size limit, no redirects (a loopback server stands in for the remote). */
class ImagesTest {
    static HttpServer remote;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        remote = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] png = TinyModel.png();
        remote.createContext("/disc.png", x -> {
            x.sendResponseHeaders(200, png.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(png);
            }
        });
        remote.createContext("/huge.png", x -> {
            x.sendResponseHeaders(200, 0);   // chunked: no length announced, the limit must count
            try (OutputStream o = x.getResponseBody()) {
                o.write(png);
                o.write(new byte[50_000]);
            } catch (java.io.IOException e) {
                // the client stopped reading: expected
            }
        });
        remote.createContext("/moved.png", x -> {
            x.getResponseHeaders().add("Location", "http://elsewhere.example/disc.png");
            x.sendResponseHeaders(302, -1);
            x.close();
        });
        remote.start();
        base = "http://127.0.0.1:" + remote.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        if (remote != null) remote.stop(0);
    }

    static Images images(int maxBytes, String... hosts) {
        return new Images(ServeConfig.DEFAULTS.withImageHosts(List.of(hosts)).withLimits(maxBytes, 40_000_000, 1024));
    }

    @Test
    void allowedHostIsFetched() {
        Images.Checked c = images(20_000, "127.0.0.1").load(base + "/disc.png");
        assertThat(c.width()).isEqualTo(64);
        assertThat(c.name()).isEqualTo("image.png");
    }

    @Test
    void otherHostsAreRefusedWithoutAFetch() {
        assertThatThrownBy(() -> images(20_000, "images.example.org").load(base + "/disc.png"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("image_host_not_allowed");
                });
    }

    @Test
    void fetchOverTheLimitIs413() {
        assertThatThrownBy(() -> images(20_000, "127.0.0.1").load(base + "/huge.png"))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(413));
    }

    @Test
    void redirectsAreNotFollowed() {
        assertThatThrownBy(() -> images(20_000, "127.0.0.1").load(base + "/moved.png"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("302");
                });
    }

    @Test
    void jpegHeaderAndPixelLimit() {
        byte[] jpeg = TinyModel.encode(TinyModel.picture(), "jpeg");
        assertThat(images(20_000).check(jpeg).name()).isEqualTo("image.jpg");
        assertThatThrownBy(() -> new Images(ServeConfig.DEFAULTS.withLimits(20_000, 4095, 1024)).check(jpeg))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(413));
    }
}
