package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Bad input must fail loudly with the file and the problem, never turn into a blank image. */
class ImageDecoderErrorTest {
    @TempDir
    Path tmp;

    private final ImageProcessor processor = ImageProcessor.siglipDefaults();

    @Test
    void garbageFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("notes.png"), "this is not an image at all");
        assertThatThrownBy(() -> processor.preprocess(f))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("not a recognised image")
                .hasMessageContaining("27 bytes starting 7468697320697320");
    }

    @Test
    void garbageBytes() {
        byte[] junk = "GIF87a? no".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> processor.preprocess(junk))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith("image bytes: ")
                .hasMessageContaining("GIF");
    }

    @Test
    void truncatedPng() throws Exception {
        byte[] png = Files.readAllBytes(Golden.file("shapes_300x200.png"));
        Path f = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> processor.preprocess(f))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("damaged or truncated PNG")
                .hasMessageContaining("Unexpected end of ZLIB input stream");
    }

    @Test
    void pngCutInsideTheHeader() {
        byte[] png = Arrays.copyOf(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0}, 10);
        assertThatThrownBy(() -> processor.preprocess(png))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("image bytes: damaged or truncated PNG");
    }

    @Test
    void truncatedJpegIsAnErrorNotAGreyImage() throws Exception {
        // ImageIO returns a partly grey image for this and only warns; the warning must become an error
        byte[] jpg = Files.readAllBytes(Golden.file("photo_640x480.jpg"));
        Path f = Files.write(tmp.resolve("cut.jpg"), Arrays.copyOf(jpg, jpg.length * 3 / 4));
        assertThatThrownBy(() -> processor.preprocess(f))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("damaged or truncated JPEG");
    }

    @Test
    void truncatedCmykJpegIsAnErrorNotAGreyImage() throws Exception {
        byte[] cut = Files.readAllBytes(Golden.file("formats/truncated_cmyk_29x19.jpg"));
        assertThatThrownBy(() -> ImageDecoder.read(cut, "cut.jpg"))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessageStartingWith("cut.jpg: damaged or truncated JPEG: ")
                .extracting(e -> ((InvalidImageException) e).reason()).asString()
                .startsWith("damaged or truncated JPEG: ");
    }

    @Test
    void avifIsNamedAsUnsupported() throws Exception {
        byte[] avif = Files.readAllBytes(Golden.file("formats/header_only.avif"));
        assertThatThrownBy(() -> ImageDecoder.read(avif, "cat.avif"))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessage("cat.avif: AVIF is not supported (readable: PNG, JPEG, WebP, GIF, BMP, TIFF)");
    }

    @Test
    void truncatedWebpSaysWhatIsMissing() throws Exception {
        // 95 % of a lossless WebP: TwelveMonkeys alone decodes this without complaint, libwebp refuses it
        byte[] webp = Files.readAllBytes(Golden.file("formats/lossless_alpha_13x7.webp"));
        byte[] cut = Arrays.copyOf(webp, webp.length * 95 / 100);
        assertThatThrownBy(() -> ImageDecoder.read(cut, "cut.webp"))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessage("cut.webp: truncated WebP: its RIFF header declares " + webp.length
                        + " bytes, the file has " + cut.length);
    }

    /**
     * Found by ImageDecoderFuzzTest: WebPs of about 300 bytes whose lossless stream runs past its end.
     * TwelveMonkeys reads zeros there and carries on: the first (13x815) came back as a picture of
     * garbage after 3 s, the second was still decoding after 120 s. libwebp refuses both.
     */
    @ParameterizedTest
    @ValueSource(strings = {"found_webp_reads_past_end.webp", "found_webp_hang.webp"})
    void webpThatMakesTheDecoderReadPastItsEndIsRefusedQuickly(String name) throws Exception {
        byte[] webp = Files.readAllBytes(Path.of(ImageDecoderErrorTest.class.getResource(
                "ImageDecoderFuzzTestInputs/decoderOnlyThrowsInvalidImage/" + name).toURI()));
        Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> catchThrowable(() -> ImageDecoder.read(webp, "x.webp")));
        assertThat(thrown)
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessageContaining("x.webp: damaged or truncated WebP: ")
                .hasMessageContaining("the data ends early");
    }

    @Test
    void unknownBytesListWhatIsReadable() {
        assertThatThrownBy(() -> ImageDecoder.read(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, "x.bin"))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessage("x.bin: not a recognised image (9 bytes starting 0102030405060708; "
                        + "readable: PNG, JPEG, WebP, GIF, BMP, TIFF)");
    }

    @Test
    void emptyFile() throws Exception {
        Path f = Files.createFile(tmp.resolve("empty.jpg"));
        assertThatThrownBy(() -> processor.preprocess(f))
                .isInstanceOf(IrisException.class)
                .hasMessage("image file " + f + ": empty (0 bytes)");
        assertThatThrownBy(() -> processor.preprocess(new byte[0]))
                .isInstanceOf(IrisException.class)
                .hasMessage("image bytes: empty (0 bytes)");
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("nowhere/cat.png");
        assertThatThrownBy(() -> processor.preprocess(f))
                .isInstanceOf(IrisException.class)
                .hasMessage("image file " + f + " does not exist");
    }

    @Test
    void directoryInsteadOfFile() {
        assertThatThrownBy(() -> processor.preprocess(tmp))
                .isInstanceOf(IrisException.class)
                .hasMessage("image file " + tmp + " is a directory, not an image");
    }

    @Test
    void hugeDimensionsAreRefusedBeforeDecoding() {
        // a valid PNG header claiming 100000 x 100000 pixels, and nothing else
        byte[] ihdr = pngHeader(100_000, 100_000);
        assertThatThrownBy(() -> processor.preprocess(ihdr))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("100000x100000")
                .hasMessageContaining("exceeds the limit");
    }

    private static byte[] pngHeader(int w, int h) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        b.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
                .put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        return b.array();
    }
}
