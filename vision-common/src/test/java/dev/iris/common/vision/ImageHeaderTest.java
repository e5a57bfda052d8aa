package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.image.InvalidImageException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Format and size from the header alone, as a server checks them before the image is decoded once. */
class ImageHeaderTest {

    @Test
    void theHeaderGivesTheSizeTheDecoderFinds() throws IOException {
        int checked = 0;
        for (Golden.Format f : Golden.formats()) {
            byte[] bytes = Files.readAllBytes(Golden.file(f.file()));
            ImageHeader header = ImageHeader.read(bytes, f.file());
            RgbImage image = ImageDecoder.read(bytes, f.file());
            assertThat(header.width()).as(f.toString()).isEqualTo(image.width());
            assertThat(header.height()).as(f.toString()).isEqualTo(image.height());
            String expected = switch (f.pilFormat()) {
                case "WEBP" -> "WebP";
                default -> f.pilFormat();
            };
            assertThat(header.format()).as(f.toString()).isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isGreaterThan(20);
    }

    /** A PNG claiming 100000 x 100000 pixels: the header says so without a pixel being decoded; the decoder refuses it by its limit. */
    @Test
    void aDecompressionBombIsMeasuredNotDecoded() throws IOException {
        byte[] bomb = pngHeader(100_000, 100_000);
        ImageHeader header = ImageHeader.read(bomb, "bomb.png");
        assertThat(header).isEqualTo(new ImageHeader("PNG", 100_000, 100_000));
        assertThat(header.pixels()).isEqualTo(10_000_000_000L);
        assertThatThrownBy(() -> ImageDecoder.read(bomb, "bomb.png"))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("exceeds the limit of " + ImageDecoder.MAX_PIXELS);
    }

    /** Damage after the header is the decoder's to find: the header check alone passes it. */
    @Test
    void damagedPixelDataPassesTheHeaderButNotTheDecoder() throws IOException {
        byte[] truncated = Files.readAllBytes(Golden.file("formats/truncated_13x7.png"));
        assertThat(ImageHeader.read(truncated, "t.png")).isEqualTo(new ImageHeader("PNG", 13, 7));
        assertThatThrownBy(() -> ImageDecoder.read(truncated, "t.png")).isInstanceOf(InvalidImageException.class);
    }

    @Test
    void unreadableInputIsNamed() {
        assertThatThrownBy(() -> ImageHeader.read(new byte[0], "a.png"))
                .isInstanceOf(InvalidImageException.class).hasMessage("a.png: empty (0 bytes)");
        byte[] avif = Arrays.copyOf(new byte[] {0, 0, 0, 0x1c, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f'}, 32);
        assertThatThrownBy(() -> ImageHeader.read(avif, "x.avif"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("x.avif: AVIF is not supported");
        assertThatThrownBy(() -> ImageHeader.read("hello world".getBytes(), null))
                .isInstanceOf(InvalidImageException.class).hasMessageStartingWith("image bytes: not a recognised image");
    }

    /** PNG signature and an IHDR chunk (8-bit RGB) with its CRC, nothing else. */
    private static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.writeBytes("IHDR");
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[] {8, 2, 0, 0, 0});
        byte[] body = chunk.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(out);
        o.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        o.writeInt(13);
        o.write(body);
        o.writeInt((int) crc.getValue());
        return out.toByteArray();
    }
}
