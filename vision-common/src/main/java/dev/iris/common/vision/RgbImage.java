package dev.iris.common.vision;

import dev.iris.api.IrisException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Arrays;

/**
 * An 8-bit RGB image, row-major and interleaved (R, G, B, R, G, B, ...), the layout of Pillow's
 * {@code Image.tobytes()} for mode "RGB" and of a numpy {@code [H, W, 3]} uint8 array.
 * Immutable: factories copy their input and {@link #pixels()} returns a copy.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** From interleaved RGB bytes ({@code width * height * 3} of them); copies. */
    public static RgbImage of(int width, int height, byte[] interleavedRgb) {
        checkSize(width, height);
        if (interleavedRgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + interleavedRgb.length);
        }
        return new RgbImage(width, height, interleavedRgb.clone());
    }

    /** From packed {@code 0x??RRGGBB} ints as {@link BufferedImage#getRGB} returns them; the top byte is ignored. */
    public static RgbImage ofPacked(int width, int height, int[] packedRgb) {
        checkSize(width, height);
        if (packedRgb.length != (long) width * height) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs "
                    + (long) width * height + " packed pixels, got " + packedRgb.length);
        }
        byte[] out = new byte[packedRgb.length * 3];
        for (int i = 0; i < packedRgb.length; i++) {
            int p = packedRgb[i];
            out[3 * i] = (byte) (p >> 16);
            out[3 * i + 1] = (byte) (p >> 8);
            out[3 * i + 2] = (byte) p;
        }
        return new RgbImage(width, height, out);
    }

    /** From three planes of values 0..255 (R, G and B, each {@code width * height}, row-major); copies. */
    public static RgbImage ofPlanes(int width, int height, int[] r, int[] g, int[] b) {
        checkSize(width, height);
        int n = width * height;
        if (r.length != n || g.length != n || b.length != n) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs planes of "
                    + n + " values, got " + r.length + ", " + g.length + ", " + b.length);
        }
        byte[] out = new byte[n * 3];
        int[][] planes = {r, g, b};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                int v = planes[c][i];
                if (v < 0 || v > 255) {
                    throw new IllegalArgumentException("plane " + "RGB".charAt(c) + " value " + v
                            + " at index " + i + " is outside 0..255");
                }
                out[3 * i + c] = (byte) v;
            }
        }
        return new RgbImage(width, height, out);
    }

    /** Wraps an array the caller hands over (no copy); for this package's own fresh buffers. */
    static RgbImage wrap(int width, int height, byte[] interleavedRgb) {
        return new RgbImage(width, height, interleavedRgb);
    }

    /**
     * Converts any {@link BufferedImage} to RGB the way Pillow's {@code convert("RGB")} treats the
     * same decoded file: stored sample values are used as they are (no colour management, no gamma,
     * ICC profiles ignored, as Pillow does), alpha is dropped without compositing, grey is
     * replicated, palette indices are looked up, 16-bit RGB(A) and 16-bit grey with alpha keep the
     * high byte, 16-bit grey alone is clipped to 0..255 (Pillow opens it as mode "I" and its I-to-RGB
     * conversion clips rather than scales), and CMYK goes through Pillow's formula ({@link #cmykToRgb}).
     *
     * <p>{@code getRGB} is deliberately not used: for grey images Java converts from its linear
     * grey colour space to sRGB, which changes the values.
     */
    public static RgbImage from(BufferedImage image) {
        return from(image, -1);
    }

    /**
     * As {@link #from(BufferedImage)}; for a palette image whose file holds only
     * {@code paletteEntries} colours (-1: all of the colour model's), an index past them reads as
     * the grey (i, i, i), which is what Pillow 9.4's palette holds there.
     */
    static RgbImage from(BufferedImage image, int paletteEntries) {
        int w = image.getWidth();
        int h = image.getHeight();
        checkSize(w, h);
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int type = raster.getDataBuffer().getDataType();
        if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
            throw new IrisException("unsupported image: floating-point samples (" + describe(image) + ")");
        }
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel icm) {
            int size = paletteEntries < 0 ? icm.getMapSize() : Math.min(paletteEntries, icm.getMapSize());
            int[] idx = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < idx.length; i++) {
                int k = idx[i];
                if (k < size) {
                    out[3 * i] = (byte) icm.getRed(k);
                    out[3 * i + 1] = (byte) icm.getGreen(k);
                    out[3 * i + 2] = (byte) icm.getBlue(k);
                } else {
                    // past the palette: Pillow's palette starts as a grey ramp and keeps it there
                    out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = (byte) k;
                }
            }
            return new RgbImage(w, h, out);
        }
        if (cm.isAlphaPremultiplied()) {
            // stored colour is multiplied by alpha; undo it so dropping alpha gives the straight colour
            WritableRaster copy = image.copyData(null);
            cm = cm.coerceData(copy, false);
            raster = copy;
        }
        int colours = cm.getNumColorComponents();
        if (colours == 1) {
            int bits = cm.getComponentSize(0);
            // Pillow: 16-bit grey alone is mode "I" (clipped); with alpha it unpacks the high byte
            boolean clip16 = bits == 16 && !cm.hasAlpha();
            int[] v = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < v.length; i++) {
                byte g = (byte) (bits == 16 ? (clip16 ? Math.min(v[i], 255) : v[i] >>> 8) : to8(v[i], bits));
                out[3 * i] = g;
                out[3 * i + 1] = g;
                out[3 * i + 2] = g;
            }
            return new RgbImage(w, h, out);
        }
        if (colours == 3) {
            for (int c = 0; c < 3; c++) {
                int bits = cm.getComponentSize(c);
                int[] v = raster.getSamples(0, 0, w, h, c, (int[]) null);
                for (int i = 0; i < v.length; i++) {
                    out[3 * i + c] = (byte) (bits == 16 ? v[i] >>> 8 : to8(v[i], bits));
                }
            }
            return new RgbImage(w, h, out);
        }
        if (colours == 4 && cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
            int[][] cmyk = new int[4][];
            for (int c = 0; c < 4; c++) {
                int bits = cm.getComponentSize(c);
                cmyk[c] = raster.getSamples(0, 0, w, h, c, (int[]) null);
                for (int i = 0; i < cmyk[c].length; i++) cmyk[c][i] = bits == 16 ? cmyk[c][i] >>> 8 : to8(cmyk[c][i], bits);
            }
            for (int i = 0; i < w * h; i++) {
                for (int c = 0; c < 3; c++) out[3 * i + c] = (byte) cmykToRgb(cmyk[c][i], cmyk[3][i]);
            }
            return new RgbImage(w, h, out);
        }
        throw new IrisException("unsupported image: " + colours + " colour components (" + describe(image)
                + "); only grey, RGB, CMYK and palette images are supported");
    }

    /**
     * One RGB value from a CMYK ink value and black, by Pillow's formula (Convert.c cmyk2rgb):
     * {@code (255 - k) - ink * (255 - k) / 255}, the product rounded as Pillow's MULDIV255 rounds it.
     * No ICC profile, no undercolour model: the same numbers Pillow gives.
     */
    static int cmykToRgb(int ink, int k) {
        int notK = 255 - k;
        int t = ink * notK + 128;
        int v = notK - (((t >> 8) + t) >> 8);
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** An unsigned sample of {@code bits} bits scaled to 0..255, rounding to nearest (exact for 1, 2, 4, 8). */
    private static int to8(int v, int bits) {
        if (bits == 8) return v & 0xff;
        int max = (1 << bits) - 1;
        return (int) ((v * 255L + max / 2) / max);
    }

    private static String describe(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        return cm.getClass().getSimpleName() + ", " + cm.getNumComponents() + " components of "
                + Arrays.toString(cm.getComponentSize()) + " bits";
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is too large for one array");
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Channel {@code c} (0 R, 1 G, 2 B) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height + "x3");
        }
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** A copy of the interleaved RGB bytes. */
    public byte[] pixels() {
        return rgb.clone();
    }

    /** The backing array, not copied; callers in this package must not modify it. */
    byte[] data() {
        return rgb;
    }

    /** A TYPE_INT_RGB image with these pixels (for viewing or saving). */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] packed = new int[width * height];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        img.setRGB(0, 0, width, height, packed, 0, width);
        return img;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
