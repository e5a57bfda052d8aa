package dev.iris.common.vision;

import dev.iris.api.IrisException;
import java.awt.image.Raster;

/**
 * Turns a JPEG's raw decoded samples (after upsampling, before any colour conversion) into the
 * RGB Pillow makes of the file. Pillow asks libjpeg for RGB (YCbCr converted with libjpeg's fixed
 * point, RGB kept), grey (kept) or CMYK; for CMYK libjpeg converts Adobe YCCK to CMYK, then Pillow
 * inverts every sample (it always assumes Photoshop's inverted storage) and converts with its own
 * formula ({@link RgbImage#cmykToRgb}). No ICC profile is involved at any step, which is why the
 * decoder does not let the ImageIO plugin colour-convert.
 */
final class JpegSamples {
    // libjpeg's fixed-point YCbCr -> RGB (jdcolor.c): 16 fraction bits, coefficients rounded once
    private static final int SCALE_BITS = 16;
    private static final int[] RED_CR = new int[256], BLUE_CB = new int[256], GREEN_CR = new int[256], GREEN_CB = new int[256];

    static {
        int half = 1 << (SCALE_BITS - 1);
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            RED_CR[i] = (fix(1.40200) * x + half) >> SCALE_BITS;
            BLUE_CB[i] = (fix(1.77200) * x + half) >> SCALE_BITS;
            GREEN_CR[i] = -fix(0.71414) * x;
            GREEN_CB[i] = -fix(0.34414) * x + half;
        }
    }

    private JpegSamples() {}

    static RgbImage toRgb(Raster raw, JpegHeader.Coding coding) {
        int bands = raw.getNumBands();
        int expected = switch (coding) {
            case GREY -> 1;
            case YCBCR, RGB -> 3;
            case CMYK, YCCK -> 4;
        };
        if (bands != expected) throw new IrisException("JPEG decoded to " + bands + " components, its header says " + expected);
        int w = raw.getWidth(), h = raw.getHeight();
        int[] s = raw.getPixels(raw.getMinX(), raw.getMinY(), w, h, (int[]) null);
        byte[] out = new byte[w * h * 3];
        for (int i = 0, p = 0; i < out.length; i += 3, p += bands) {
            switch (coding) {
                case GREY -> out[i] = out[i + 1] = out[i + 2] = (byte) s[p];
                case RGB -> {
                    out[i] = (byte) s[p];
                    out[i + 1] = (byte) s[p + 1];
                    out[i + 2] = (byte) s[p + 2];
                }
                case YCBCR -> {
                    out[i] = (byte) red(s[p], s[p + 2]);
                    out[i + 1] = (byte) green(s[p], s[p + 1], s[p + 2]);
                    out[i + 2] = (byte) blue(s[p], s[p + 1]);
                }
                case CMYK, YCCK -> {
                    // the C, M, Y, K Pillow holds: libjpeg's CMYK, inverted
                    int c, m, y;
                    if (coding == JpegHeader.Coding.YCCK) {
                        // libjpeg's YCCK -> CMYK is 255 - (the YCC triple as RGB); the inversion undoes the 255 -
                        c = red(s[p], s[p + 2]);
                        m = green(s[p], s[p + 1], s[p + 2]);
                        y = blue(s[p], s[p + 1]);
                    } else {
                        c = 255 - s[p];
                        m = 255 - s[p + 1];
                        y = 255 - s[p + 2];
                    }
                    int k = 255 - s[p + 3];
                    out[i] = (byte) RgbImage.cmykToRgb(c, k);
                    out[i + 1] = (byte) RgbImage.cmykToRgb(m, k);
                    out[i + 2] = (byte) RgbImage.cmykToRgb(y, k);
                }
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    private static int red(int luma, int cr) {
        return clip(luma + RED_CR[cr]);
    }

    private static int green(int luma, int cb, int cr) {
        return clip(luma + ((GREEN_CB[cb] + GREEN_CR[cr]) >> SCALE_BITS));
    }

    private static int blue(int luma, int cb) {
        return clip(luma + BLUE_CB[cb]);
    }

    private static int fix(double v) {
        return (int) (v * (1L << SCALE_BITS) + 0.5);
    }

    private static int clip(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
