package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.IIOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An image sent to the chat endpoint is decoded once, by the model's decoder: the server reads
 * only its header. The seam is an ImageIO reader for a test format that counts full decodes
 * (pixel reads) apart from header reads; its files are {@code IRISCNT1}, width, height and a
 * flag byte (1 = the pixel data is damaged).
 */
class ImageDecodeCountTest {
    private static final byte[] MAGIC = "IRISCNT1".getBytes(StandardCharsets.US_ASCII);
    private static final AtomicInteger DECODES = new AtomicInteger();
    private static final CountingSpi SPI = new CountingSpi();
    static IrisServer server;
    static Http http;

    @BeforeAll
    static void start() {
        IIORegistry.getDefaultInstance().registerServiceProvider(SPI, ImageReaderSpi.class);
        server = TinyModel.serve(ServeConfig.DEFAULTS);
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        IIORegistry.getDefaultInstance().deregisterServiceProvider(SPI, ImageReaderSpi.class);
        if (server != null) server.stop();
    }

    @BeforeEach
    void reset() {
        DECODES.set(0);
    }

    private static Http.Response ask(int width, int height, boolean damaged) {
        byte[] file = Arrays.copyOf(MAGIC, MAGIC.length + 3);
        file[MAGIC.length] = (byte) width;
        file[MAGIC.length + 1] = (byte) height;
        file[MAGIC.length + 2] = (byte) (damaged ? 1 : 0);
        String url = "data:image/x-iris-count;base64," + Base64.getEncoder().encodeToString(file);
        return http.post("/v1/chat/completions", Http.chat("Describe.", url, 2));
    }

    @Test
    void aGoodImageIsDecodedOnce() {
        Http.Response r = ask(24, 16, false);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(DECODES.get()).isEqualTo(1);
    }

    @Test
    void anImageWhoseDataDoesNotDecodeIs400NamingWhyAfterOneDecode() {
        JsonNode e = ErrorsTest.assertError(ask(24, 16, true), 400);

        assertThat(e.get("code").asText()).isEqualTo("invalid_image");
        assertThat(e.get("message").asText()).contains("pixel data damaged on purpose");
        assertThat(DECODES.get()).isEqualTo(1);
    }

    @Test
    void anImageWithoutPixelsIsRefusedFromItsHeaderBeforeAnyDecode() {
        JsonNode e = ErrorsTest.assertError(ask(0, 16, false), 400);

        assertThat(e.get("code").asText()).isEqualTo("invalid_image");
        assertThat(e.get("message").asText()).contains("no pixels");
        assertThat(DECODES.get()).isZero();
    }

    /** Claims only inputs that start with {@link #MAGIC}, so every other test's images go to the usual readers. */
    static final class CountingSpi extends ImageReaderSpi {
        CountingSpi() {
            super("iris-test", "1", new String[] {"IrisCount"}, new String[] {"iriscount"}, new String[] {"image/x-iris-count"},
                    CountingReader.class.getName(), new Class<?>[] {ImageInputStream.class}, null, false, null, null, null, null,
                    false, null, null, null, null);
        }

        @Override
        public boolean canDecodeInput(Object source) throws IOException {
            if (!(source instanceof ImageInputStream in)) return false;
            byte[] head = new byte[MAGIC.length];
            in.mark();
            try {
                return in.read(head) == head.length && Arrays.equals(head, MAGIC);
            } finally {
                in.reset();
            }
        }

        @Override
        public ImageReader createReaderInstance(Object extension) {
            return new CountingReader(this);
        }

        @Override
        public String getDescription(Locale locale) {
            return "decode-counting test format";
        }
    }

    static final class CountingReader extends ImageReader {
        CountingReader(ImageReaderSpi spi) {
            super(spi);
        }

        private int header(int at) throws IOException {
            ImageInputStream in = (ImageInputStream) getInput();
            in.seek(MAGIC.length + at);
            return in.readUnsignedByte();
        }

        @Override
        public int getNumImages(boolean allowSearch) {
            return 1;
        }

        @Override
        public int getWidth(int imageIndex) throws IOException {
            return header(0);
        }

        @Override
        public int getHeight(int imageIndex) throws IOException {
            return header(1);
        }

        @Override
        public Iterator<ImageTypeSpecifier> getImageTypes(int imageIndex) {
            return List.of(ImageTypeSpecifier.createFromBufferedImageType(BufferedImage.TYPE_INT_RGB)).iterator();
        }

        @Override
        public IIOMetadata getStreamMetadata() {
            return null;
        }

        @Override
        public IIOMetadata getImageMetadata(int imageIndex) {
            return null;
        }

        @Override
        public BufferedImage read(int imageIndex, ImageReadParam param) throws IOException {
            DECODES.incrementAndGet();
            int w = getWidth(0), h = getHeight(0);
            if (header(2) == 1) throw new IIOException("pixel data damaged on purpose");
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.setRGB(x, y, (x * 10) << 16 | (y * 10) << 8 | 128);
            return image;
        }
    }
}
