package dev.iris.vision.siglip;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.common.vision.ImageProcessor;
import dev.iris.common.vision.ImageProcessorConfig;
import dev.iris.common.vision.VitImageEncoder;
import java.nio.file.Path;

/**
 * A SigLIP vision tower with its image processor: images to the tower's
 * {@code last_hidden_state}, one feature vector per patch.
 */
public final class SiglipVisionEncoder extends VitImageEncoder {
    private final SiglipVisionTower tower;

    /**
     * @throws IllegalArgumentException when the processor would not produce the square RGB image
     *                                  the tower reads
     */
    public SiglipVisionEncoder(SiglipVisionConfig config, ImageProcessor processor) {
        super(config, processor, SiglipVisionEncoder::mismatch);
        this.tower = new SiglipVisionTower(config);
    }

    /**
     * Opens a Hugging Face SigLIP folder: {@code config.json}, and {@code preprocessor_config.json}
     * when present (else SigLIP's preprocessing at the config's image size). Weights are not read
     * here; the runtime binds them by name when a graph is run.
     */
    public static SiglipVisionEncoder open(Path folder) {
        SiglipVisionConfig config = SiglipVisionConfig.read(folder.resolve(CONFIG));
        ImageProcessorConfig pc = processorConfig(folder, config, ImageProcessorConfig.siglipDefaults(), defaultsFor(config),
                SiglipVisionEncoder::mismatch);
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

    public SiglipVisionConfig config() {
        return tower.config();
    }

    public SiglipVisionTower tower() {
        return tower;
    }

    @Override
    public int tokens() {
        return config().patches();
    }

    @Override
    public Value encode(GraphBuilder g, Value pixels) {
        return tower.forward(g, pixels);
    }
}
