package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images whose header reads but whose data does not decode: the model's own decoder (the only
 * decode) says so, and the client gets 400 {@code invalid_image} in its words, never a 500.
 * Images the decoder reads are answered.
 */
class InvalidImagesTest {
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

    static Http.Response ask(byte[] image, String mime) {
        return http.post("/v1/chat/completions", Http.chat("Describe.", "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(image), 2));
    }

    static byte[] jpeg() {
        return TinyModel.encode(TinyModel.picture(), "jpeg");
    }

    @Test
    void aTruncatedJpegIs400() {
        byte[] full = jpeg();
        JsonNode e = ErrorsTest.assertError(ask(Arrays.copyOf(full, full.length * 6 / 10), "image/jpeg"), 400);
        assertThat(e.get("code").asText()).isEqualTo("invalid_image");
        assertThat(e.get("message").asText()).contains("cannot be decoded");
    }

    @Test
    void aPngWithGarbledDataIs400() {
        byte[] png = TinyModel.png();
        byte[] broken = Arrays.copyOf(png, png.length);
        for (int i = 60; i < broken.length - 20; i++) broken[i] ^= 0x5a;
        assertThat(ErrorsTest.assertError(ask(broken, "image/png"), 400).get("code").asText()).isEqualTo("invalid_image");
    }

    /** A JPEG with an APP2 ICC_PROFILE segment whose profile is garbage: decoded if the decoder can, else 400 - never a 500. */
    @Test
    void aJpegWithALyingIccProfileIsNever500() throws IOException {
        byte[] plain = jpeg();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 2);   // SOI
        byte[] profile = new byte[200];
        Arrays.fill(profile, (byte) 0x41);
        // the profile's header claims a size far beyond the data, and a colour space that is not there
        profile[0] = 0x7f;
        byte[] id = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int len = 2 + id.length + 2 + profile.length;
        out.write(new byte[] {(byte) 0xff, (byte) 0xe2, (byte) (len >> 8), (byte) len});
        out.write(id);
        out.write(new byte[] {1, 1});
        out.write(profile);
        out.write(plain, 2, plain.length - 2);
        assertAnsweredOr400(ask(out.toByteArray(), "image/jpeg"));
    }

    /** A four-channel (CMYK-style) JPEG: decoded when the decoder reads CMYK, else 400 naming the problem - never a 500. */
    @Test
    void aCmykJpegIsNever500() throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 32, 32, 4, null);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) raster.setPixel(x, y, new int[] {x * 8, y * 8, 40, 0});
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        assertAnsweredOr400(ask(out.toByteArray(), "image/jpeg"));
    }

    @Test
    void otherFormatsTheDecoderReadsAreAnswered() {
        byte[] gif = TinyModel.encode(TinyModel.picture(), "gif");
        assertThat(ask(gif, "image/gif").status()).isEqualTo(200);
        BufferedImage gray = new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY);
        assertThat(ask(TinyModel.encode(gray, "png"), "image/png").status()).isEqualTo(200);
    }

    static void assertAnsweredOr400(Http.Response r) {
        assertThat(r.status()).as(r.body()).isIn(200, 400);
        if (r.status() == 400) assertThat(r.error().get("code").asText()).isEqualTo("invalid_image");
    }
}
