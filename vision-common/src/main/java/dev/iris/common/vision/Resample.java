package dev.iris.common.vision;

/**
 * Pillow's resampling filters, with the integer codes Pillow and Hugging Face
 * {@code preprocessor_config.json} files use for them ({@code "resample": 3} is bicubic).
 */
public enum Resample {
    NEAREST(0, 0.0),
    LANCZOS(1, 3.0),
    BILINEAR(2, 1.0),
    BICUBIC(3, 2.0),
    BOX(4, 0.5),
    HAMMING(5, 1.0);

    private final int pilCode;
    private final double support;

    Resample(int pilCode, double support) {
        this.pilCode = pilCode;
        this.support = support;
    }

    /** The number Pillow uses for this filter ({@code PIL.Image.Resampling}). */
    public int pilCode() {
        return pilCode;
    }

    /** Half-width of the filter in source pixels at scale 1 (0 for nearest, which is not a convolution). */
    double support() {
        return support;
    }

    /** The filter for Pillow's code, or an exception naming the code and the valid ones. */
    public static Resample fromPilCode(int code) {
        for (Resample r : values()) {
            if (r.pilCode == code) return r;
        }
        throw new IllegalArgumentException("unknown Pillow resample code " + code
                + " (expected 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX or 5 HAMMING)");
    }

    /**
     * The filter kernel at distance {@code x} (in filter units). The expressions keep Pillow's
     * evaluation order on purpose: coefficients are rounded to 22-bit fixed point afterwards, and a
     * last-bit difference in a double here could (rarely) flip a rounded coefficient and so a pixel.
     */
    double kernel(double x) {
        switch (this) {
            case BOX:
                return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
            case BILINEAR:
                x = Math.abs(x);
                return x < 1.0 ? 1.0 - x : 0.0;
            case HAMMING: {
                x = Math.abs(x);
                if (x == 0.0) return 1.0;
                if (x >= 1.0) return 0.0;
                x = x * Math.PI;
                // 0.54f/0.46f: Pillow writes these as float literals, so their float values are used
                return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
            }
            case BICUBIC: {
                final double a = -0.5; // Keys' cubic convolution with a = -0.5, as Pillow uses
                x = Math.abs(x);
                if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
                return 0.0;
            }
            case LANCZOS:
                // three-lobed Lanczos: sinc(x) * sinc(x / 3) on [-3, 3)
                return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
            default:
                throw new IllegalStateException("nearest has no kernel");
        }
    }

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        x = x * Math.PI;
        return Math.sin(x) / x;
    }
}
