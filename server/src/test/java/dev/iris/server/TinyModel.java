package dev.iris.server;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.plugins.model.VisionLanguageModel;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * One tiny model (random weights: the text is noise, the protocol is what is tested) for all
 * server tests in this JVM. Its context is widened to 2048 positions so a request may ask for
 * 1000 tokens; rotary positions make that a config change only.
 */
final class TinyModel {
    static final Path DIR = Path.of("target", "test-models", "tiny");
    private static VisionLanguageModel model;
    private static ChatEngine engine;
    private static IrisConfig config;

    private TinyModel() {}

    static synchronized ChatEngine engine() {
        if (engine == null) {
            try {
                PluginRegistry registry = PluginRegistry.discover();
                ModelInit.write(registry, "tiny", DIR, 0);
                Path llmConfig = DIR.resolve("llm/config.json");
                String json = Files.readString(llmConfig).replaceAll("\"max_position_embeddings\"\\s*:\\s*\\d+", "\"max_position_embeddings\": 2048");
                Files.writeString(llmConfig, json);
                config = new ConfigLoader().load(DIR.resolve("iris.yaml"), List.of());
                model = VisionLanguageModel.load(config, registry);
                model.prepare();
                engine = ChatEngine.of(model);
                Runtime.getRuntime().addShutdownHook(new Thread(model::close));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return engine;
    }

    static synchronized GenerateConfig defaults() {
        engine();
        return config.generate();
    }

    static synchronized IrisConfig config() {
        engine();
        return config;
    }

    static synchronized VisionLanguageModel model() {
        engine();
        return model;
    }

    /** A server on loopback (a free port) with these settings, serving the tiny model. */
    static IrisServer serve(ServeConfig settings) {
        return serve(settings, engine());
    }

    /** A server on loopback (a free port) with these settings and the tiny model's generation defaults, serving {@code engine}. */
    static IrisServer serve(ServeConfig settings, ChatEngine engine) {
        IrisServer server = new IrisServer(settings, defaults()).start("127.0.0.1", 0);
        server.ready(engine);
        return server;
    }

    /** A 64x64 PNG: a red disc on white. */
    static byte[] png() {
        return encode(picture(), "png");
    }

    /** A disc of another colour: a second, different image. */
    static byte[] png(Color disc) {
        return encode(picture(disc), "png");
    }

    static BufferedImage picture() {
        return picture(Color.RED);
    }

    static BufferedImage picture(Color disc) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 64, 64);
        g.setColor(disc);
        g.fillOval(8, 8, 32, 32);
        g.dispose();
        return img;
    }

    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no " + format + " writer");
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }
}
