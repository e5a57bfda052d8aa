package dev.iris.vision.siglip;

import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.vision.ImageDecoder;
import dev.iris.common.vision.ImageProcessorConfig;
import dev.iris.common.vision.ImageProcessor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A SigLIP vision tower with its image processor: images to the tower's
 * {@code last_hidden_state}, one feature vector per patch.
 */
public final class SiglipVisionEncoder implements VisionEncoder {
    public static final String CONFIG = "config.json";
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

    private final SiglipVisionTower tower;
    private final ImageProcessor processor;

    /**
     * @throws IllegalArgumentException when the processor would not produce the square RGB image
     *                                  the tower reads
     */
    public SiglipVisionEncoder(SiglipVisionConfig config, ImageProcessor processor) {
        Objects.requireNonNull(processor, "processor");
        String problem = mismatch(config, processor.config());
        if (problem != null) throw new IllegalArgumentException(problem);
        this.tower = new SiglipVisionTower(config);
        this.processor = processor;
    }

    /**
     * Opens a Hugging Face SigLIP folder: {@code config.json}, and {@code preprocessor_config.json}
     * when present (else SigLIP's preprocessing at the config's image size). Weights are not read
     * here; the runtime binds them by name when a graph is run.
     */
    public static SiglipVisionEncoder open(Path folder) {
        Path configJson = folder.resolve(CONFIG);
        SiglipVisionConfig config = SiglipVisionConfig.read(configJson);
        if (config.channels() != 3) throw new ConfigException(configJson + ": " + channelsProblem(config));
        Path pre = folder.resolve(PREPROCESSOR_CONFIG);
        ImageProcessorConfig pc = Files.isRegularFile(pre) ? ImageProcessorConfig.load(pre) : defaultsFor(config);
        String problem = mismatch(config, pc);
        if (problem != null) throw new ConfigException(pre + ": " + problem);
        return new SiglipVisionEncoder(config, new ImageProcessor(pc));
    }

    /** SigLIP's preprocessing (bicubic, 1/255, mean and std 0.5) resizing to the config's image size. */
    public static ImageProcessorConfig defaultsFor(SiglipVisionConfig config) {
        ImageProcessorConfig d = ImageProcessorConfig.siglipDefaults();
        return new ImageProcessorConfig(d.doResize(), new ImageProcessorConfig.Fixed(config.imageSize(), config.imageSize()),
                d.resample(), d.doRescale(), d.rescaleFactor(), d.doNormalize(), d.imageMean(), d.imageStd());
    }

    /** Why the processor's output cannot feed the tower, or null when it can. */
    private static String mismatch(SiglipVisionConfig config, ImageProcessorConfig pc) {
        if (config.channels() != 3) return channelsProblem(config);
        // without a fixed square resize the image size would depend on the input: refuse it up front
        int s = config.imageSize();
        if (!pc.doResize() || !(pc.size() instanceof ImageProcessorConfig.Fixed f) || f.height() != s || f.width() != s) {
            String got = !pc.doResize() ? "do_resize false" : "size " + describe(pc.size());
            return got + " does not match the model's image_size " + s + " (expected do_resize true and size {\"height\": "
                    + s + ", \"width\": " + s + "})";
        }
        if (pc.centerCrop() != null) {
            return "do_center_crop is true, but SigLIP's image processor does not crop (its images are resized to "
                    + s + "x" + s + "); remove do_center_crop and crop_size";
        }
        return null;
    }

    private static String channelsProblem(SiglipVisionConfig config) {
        return "num_channels is " + config.channels() + ", but images are preprocessed to 3 channels (RGB)";
    }

    private static String describe(ImageProcessorConfig.Size size) {
        return switch (size) {
            case ImageProcessorConfig.Fixed f -> "{\"height\": " + f.height() + ", \"width\": " + f.width() + "}";
            case ImageProcessorConfig.ShortestEdge e -> "{\"shortest_edge\": " + e.shortestEdge() + "}";
        };
    }

    public SiglipVisionConfig config() {
        return tower.config();
    }

    public SiglipVisionTower tower() {
        return tower;
    }

    public ImageProcessor processor() {
        return processor;
    }

    @Override
    public Tensor preprocess(BufferedImage image) {
        // the constructor checked that the processor resizes to [3, imageSize, imageSize]
        return processor.preprocess(image);
    }

    /** Decodes with the strict decoder (a truncated or corrupt file is an error naming it) and preprocesses. */
    @Override
    public Tensor preprocess(byte[] encoded, String name) {
        return processor.preprocess(ImageDecoder.read(encoded, name));
    }

    @Override
    public int imageSize() {
        return config().imageSize();
    }

    @Override
    public int tokens() {
        return config().patches();
    }

    @Override
    public int hiddenSize() {
        return config().hiddenSize();
    }

    @Override
    public Value encode(GraphBuilder g, Value pixels) {
        return tower.forward(g, pixels);
    }
}
