package dev.iris.common.vision;

import dev.iris.api.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Java port of Hugging Face's "slow", Pillow-based image processors ({@code SiglipImageProcessor},
 * {@code CLIPImageProcessor}) for a single image: convert to RGB, resize with Pillow's filter
 * (to a fixed size, or the shortest edge to a length), center-crop if configured (CLIP), rescale,
 * normalise, channels first.
 * With {@link ImageProcessorConfig#siglipDefaults()} the output is a {@code [3, 224, 224]} F32
 * tensor with values in [-1, 1].
 *
 * <p>The float arithmetic follows the Python code step by step so the result equals
 * {@code pixel_values[0]} exactly, not just approximately: {@code rescale} multiplies the uint8
 * value by the factor in float64 and casts to float32; {@code normalize} then computes
 * {@code (x - mean) / std} in float32 with mean and std cast to float32.
 */
public final class ImageProcessor {
    private final ImageProcessorConfig config;
    private final float[] mean;
    private final float[] std;

    public ImageProcessor(ImageProcessorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.mean = toFloats(config.imageMean());
        this.std = toFloats(config.imageStd());
    }

    /** The processor for google/siglip-base-patch16-224 (and other 224-pixel SigLIP checkpoints). */
    public static ImageProcessor siglipDefaults() {
        return new ImageProcessor(ImageProcessorConfig.siglipDefaults());
    }

    /** A processor configured from a checkpoint's {@code preprocessor_config.json}. */
    public static ImageProcessor fromConfigFile(Path preprocessorConfigJson) {
        return new ImageProcessor(ImageProcessorConfig.load(preprocessorConfigJson));
    }

    public ImageProcessorConfig config() {
        return config;
    }

    /** Decodes and preprocesses an image file (PNG, JPEG, ...). */
    public Tensor preprocess(Path imageFile) {
        return preprocess(ImageDecoder.read(imageFile));
    }

    /** Decodes and preprocesses encoded image bytes (the contents of a PNG, JPEG, ... file). */
    public Tensor preprocess(byte[] encodedImage) {
        return preprocess(ImageDecoder.read(encodedImage));
    }

    /** Preprocesses a decoded image; converted to RGB as Pillow's {@code convert("RGB")} would. */
    public Tensor preprocess(BufferedImage image) {
        return preprocess(RgbImage.from(image));
    }

    /** Resizes, rescales and normalises: a {@code [3, H, W]} F32 tensor, channel planes R, G, B. */
    public Tensor preprocess(RgbImage image) {
        RgbImage resized = resize(image);
        int h = resized.height();
        int w = resized.width();
        int plane = h * w;
        byte[] px = resized.data();
        float[] out = new float[3 * plane];
        double factor = config.rescaleFactor();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float s = std[c];
            for (int i = 0; i < plane; i++) {
                int p = px[3 * i + c] & 0xff;
                float v = config.doRescale() ? (float) (p * factor) : (float) p;
                if (config.doNormalize()) v = (v - m) / s;
                out[c * plane + i] = v;
            }
        }
        return Tensor.ofFloats(out, 3, h, w);
    }

    /** The uint8 image the model would see before rescaling: resized, then center-cropped, each if configured. */
    public RgbImage resize(RgbImage image) {
        RgbImage resized = image;
        if (config.doResize()) {
            int[] hw = resizedSize(image.width(), image.height());
            resized = PillowResize.resize(image, hw[1], hw[0], config.resample());
        }
        ImageProcessorConfig.Fixed crop = config.centerCrop();
        return crop == null ? resized : centerCrop(resized, crop.height(), crop.width());
    }

    /** Output {@code {height, width}} for an input of {@code width x height}. */
    public int[] targetSize(int width, int height) {
        ImageProcessorConfig.Fixed crop = config.centerCrop();
        return crop != null ? new int[] {crop.height(), crop.width()} : resizedSize(width, height);
    }

    /**
     * The centre {@code height x width} of {@code image}, as Hugging Face's {@code center_crop}
     * cuts it: the top-left corner sits at {@code floor((H - height) / 2), floor((W - width) / 2)}
     * (negative where the image is smaller than the crop); pixels outside the image are black.
     */
    public static RgbImage centerCrop(RgbImage image, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("crop size must be positive, got " + height + "x" + width);
        if (image.height() == height && image.width() == width) return image;
        int top = Math.floorDiv(image.height() - height, 2);
        int left = Math.floorDiv(image.width() - width, 2);
        byte[] src = image.data();
        byte[] out = new byte[height * width * 3];
        for (int y = 0; y < height; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= image.height()) continue;
            int x0 = Math.max(0, -left), x1 = Math.min(width, image.width() - left);
            if (x1 > x0) System.arraycopy(src, (sy * image.width() + x0 + left) * 3, out, (y * width + x0) * 3, (x1 - x0) * 3);
        }
        return RgbImage.wrap(width, height, out);
    }

    /** {@code {height, width}} after the resize step alone. */
    private int[] resizedSize(int width, int height) {
        if (!config.doResize()) return new int[] {height, width};
        return switch (config.size()) {
            case ImageProcessorConfig.Fixed f -> new int[] {f.height(), f.width()};
            case ImageProcessorConfig.ShortestEdge s -> shortestEdge(width, height, s.shortestEdge());
        };
    }

    /**
     * Hugging Face's {@code get_resize_output_image_size(default_to_square=False)}: the short side
     * becomes {@code edge}, the long side {@code int(edge * long / short)} (truncated, in float64).
     */
    private static int[] shortestEdge(int width, int height, int edge) {
        int shortSide = Math.min(width, height);
        int longSide = Math.max(width, height);
        int newLong = (int) ((double) ((long) edge * longSide) / shortSide);
        return width <= height ? new int[] {newLong, edge} : new int[] {edge, newLong};
    }

    private static float[] toFloats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) f[i] = values.get(i).floatValue();
        return f;
    }
}
