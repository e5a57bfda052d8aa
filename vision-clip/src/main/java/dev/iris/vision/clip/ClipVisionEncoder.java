package dev.iris.vision.clip;

import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.vision.ImageDecoder;
import dev.iris.common.vision.ImageProcessor;
import dev.iris.common.vision.ImageProcessorConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A CLIP vision tower with its image processor ({@code CLIPImageProcessor}: shortest edge, center
 * crop, CLIP's mean and std): images to the hidden state a {@link FeatureSelection} chooses.
 */
public final class ClipVisionEncoder implements VisionEncoder {
    public static final String CONFIG = "config.json";
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

    private final ClipVisionTower tower;
    private final FeatureSelection selection;
    private final String selectionKey;
    private final ImageProcessor processor;

    /**
     * @param selectionKey names the feature layer's config key in errors (e.g.
     *                     {@code model.vision.vision_feature_layer})
     * @throws ConfigException          when the selection names a layer the tower does not have
     * @throws IllegalArgumentException when the processor would not produce the square RGB image
     *                                  the tower reads
     */
    public ClipVisionEncoder(ClipVisionConfig config, FeatureSelection selection, String selectionKey, ImageProcessor processor) {
        Objects.requireNonNull(processor, "processor");
        String problem = mismatch(config, processor.config());
        if (problem != null) throw new IllegalArgumentException(problem);
        this.tower = new ClipVisionTower(config);
        this.selection = Objects.requireNonNull(selection, "selection");
        this.selectionKey = Objects.requireNonNull(selectionKey, "selectionKey");
        selection.resolve(config.layers(), selectionKey); // refuse a layer outside the tower now, not when run
        this.processor = processor;
    }

    /** LLaVA's selection (layer -2, class token dropped) and CLIP's preprocessing at the config's size. */
    public ClipVisionEncoder(ClipVisionConfig config) {
        this(config, FeatureSelection.LLAVA, FeatureSelection.LAYER, new ImageProcessor(defaultsFor(config)));
    }

    /**
     * Opens a Hugging Face CLIP folder: {@code config.json}, and {@code preprocessor_config.json}
     * when present (else CLIP's preprocessing at the config's image size). Weights are not read
     * here; the runtime binds them by name when a graph is run.
     */
    public static ClipVisionEncoder open(Path folder, FeatureSelection selection, String selectionKey) {
        Path configJson = folder.resolve(CONFIG);
        ClipVisionConfig config = ClipVisionConfig.read(configJson);
        if (config.channels() != 3) throw new ConfigException(configJson + ": " + channelsProblem(config));
        Path pre = folder.resolve(PREPROCESSOR_CONFIG);
        ImageProcessorConfig pc = Files.isRegularFile(pre) ? ImageProcessorConfig.load(pre, defaultsFor(config)) : defaultsFor(config);
        String problem = mismatch(config, pc);
        if (problem != null) throw new ConfigException(pre + ": " + problem);
        return new ClipVisionEncoder(config, selection, selectionKey, new ImageProcessor(pc));
    }

    /** CLIP's preprocessing (shortest edge, bicubic, center crop, 1/255, OpenAI's mean and std) at the config's image size. */
    public static ImageProcessorConfig defaultsFor(ClipVisionConfig config) {
        ImageProcessorConfig d = ImageProcessorConfig.clipDefaults();
        int s = config.imageSize();
        return new ImageProcessorConfig(d.doResize(), new ImageProcessorConfig.ShortestEdge(s), d.resample(), d.doRescale(),
                d.rescaleFactor(), d.doNormalize(), d.imageMean(), d.imageStd(), new ImageProcessorConfig.Fixed(s, s));
    }

    /** Why the processor's output cannot feed the tower, or null when it can. */
    private static String mismatch(ClipVisionConfig config, ImageProcessorConfig pc) {
        if (config.channels() != 3) return channelsProblem(config);
        int s = config.imageSize();
        ImageProcessorConfig.Fixed crop = pc.centerCrop();
        if (crop != null) {
            if (crop.height() == s && crop.width() == s) return null;
            return "crop_size {\"height\": " + crop.height() + ", \"width\": " + crop.width()
                    + "} does not match the model's image_size " + s + " (expected crop_size " + s + ")";
        }
        // without a crop only a fixed square resize gives the tower's size whatever the input
        if (pc.doResize() && pc.size() instanceof ImageProcessorConfig.Fixed f && f.height() == s && f.width() == s) return null;
        return "without do_center_crop the images are not " + s + "x" + s + " for every input (" + (pc.doResize()
                ? "size " + describe(pc.size()) : "do_resize false") + "); CLIP's processor crops: set do_center_crop true and crop_size " + s;
    }

    private static String channelsProblem(ClipVisionConfig config) {
        return "num_channels is " + config.channels() + ", but images are preprocessed to 3 channels (RGB)";
    }

    private static String describe(ImageProcessorConfig.Size size) {
        return switch (size) {
            case ImageProcessorConfig.Fixed f -> "{\"height\": " + f.height() + ", \"width\": " + f.width() + "}";
            case ImageProcessorConfig.ShortestEdge e -> "{\"shortest_edge\": " + e.shortestEdge() + "}";
        };
    }

    public ClipVisionConfig config() {
        return tower.config();
    }

    public ClipVisionTower tower() {
        return tower;
    }

    public FeatureSelection selection() {
        return selection;
    }

    public ImageProcessor processor() {
        return processor;
    }

    /** Encoder layers the features pass through (the rest of the tower is never described). */
    public int layersRun() {
        return selection.resolve(config().layers(), selectionKey);
    }

    @Override
    public Tensor preprocess(BufferedImage image) {
        // the constructor checked that the processor gives [3, imageSize, imageSize]
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
        return selection.tokens(config().patches());
    }

    @Override
    public int hiddenSize() {
        return config().hiddenSize();
    }

    @Override
    public Value encode(GraphBuilder g, Value pixels) {
        return tower.features(g, pixels, selection, selectionKey);
    }
}
