package dev.iris.common.vision;

import java.nio.charset.StandardCharsets;

/**
 * The number of colours a PNG's PLTE chunk really holds. ImageIO pads short palettes with black,
 * but Pillow 9.4 reads an index past the palette as the grey (i, i, i), so the decoder needs the
 * true count to convert such (invalid but real-world) files the way Pillow does.
 */
final class PngPalette {
    private PngPalette() {}

    /** Entries in the PLTE chunk, or -1 if {@code png} has none (or is cut before it). */
    static int entries(byte[] png) {
        int at = 8; // after the signature
        while (at + 8 <= png.length) {
            long length = u32(png, at);
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("PLTE")) return (int) Math.min(length / 3, 256);
            if (type.equals("IDAT") || type.equals("IEND")) return -1; // PLTE must come before the data
            long next = at + 12L + length;
            if (next > png.length) return -1;
            at = (int) next;
        }
        return -1;
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xffL) << 24 | (b[at + 1] & 0xffL) << 16 | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL);
    }
}
