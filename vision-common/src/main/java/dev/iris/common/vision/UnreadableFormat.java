package dev.iris.common.vision;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Recognises image formats that no installed ImageIO reader decodes, by their signature, so the
 * error can say "AVIF is not supported" instead of "not a recognised image".
 */
final class UnreadableFormat {
    /** What the decoder reads, for error messages. */
    static final String READABLE = "PNG, JPEG, WebP, GIF, BMP, TIFF";

    private UnreadableFormat() {}

    /** The name of the format {@code b} starts like, if it is one we know but cannot read. */
    static Optional<String> of(byte[] b) {
        if (b.length >= 12 && ascii(b, 4, 4).equals("ftyp")) {
            // ISO base media file: the major brand says which image (or video) format it is
            String brand = ascii(b, 8, 4);
            if (brand.startsWith("avi")) return Optional.of("AVIF");
            if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                return Optional.of("HEIC/HEIF");
            }
            if (brand.equals("jp2 ") || brand.equals("jpx ")) return Optional.of("JPEG 2000");
            if (brand.equals("jxl ")) return Optional.of("JPEG XL");
            return Optional.empty();
        }
        if (startsWith(b, 0xff, 0x0a) || startsWith(b, 0, 0, 0, 0x0c, 'J', 'X', 'L', ' ')) return Optional.of("JPEG XL");
        if (startsWith(b, 0, 0, 0, 0x0c, 'j', 'P', ' ', ' ') || startsWith(b, 0xff, 0x4f, 0xff, 0x51)) {
            return Optional.of("JPEG 2000");
        }
        if (startsWith(b, '8', 'B', 'P', 'S')) return Optional.of("Photoshop PSD");
        if (startsWith(b, 0, 0, 1, 0)) return Optional.of("ICO");
        if (startsWith(b, 'q', 'o', 'i', 'f')) return Optional.of("QOI");
        String head = ascii(b, 0, Math.min(b.length, 256)).stripLeading().toLowerCase(Locale.ROOT);
        if (head.startsWith("<svg") || head.startsWith("<?xml") && head.contains("<svg")) return Optional.of("SVG");
        return Optional.empty();
    }

    private static boolean startsWith(byte[] b, int... sig) {
        if (b.length < sig.length) return false;
        for (int i = 0; i < sig.length; i++) if ((b[i] & 0xff) != sig[i]) return false;
        return true;
    }

    private static String ascii(byte[] b, int from, int n) {
        return new String(b, from, Math.min(n, b.length - from), StandardCharsets.ISO_8859_1);
    }
}
