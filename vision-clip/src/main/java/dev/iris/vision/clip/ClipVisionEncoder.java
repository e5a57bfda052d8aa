package dev.iris.vision.clip;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.common.vision.ImageProcessor;
import dev.iris.common.vision.ImageProcessorConfig;
import dev.iris.common.vision.VitImageEncoder;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A CLIP vision tower with its image processor ({@code CLIPImageProcessor}: shortest edge, center
 * crop, CLIP's mean and std): images to the hidden state a {@link FeatureSelection} chooses.
 */
public final class ClipVisionEncoder extends VitImageEncoder {
    private final ClipVisionTower tower;
    private final FeatureSelection selection;
    private final String selectionKey;

    /**
     * @param selectionKey names the feature layer's config key in errors (e.g.
     *                     {@code model.vision.vision_feature_layer})
     * @throws dev.iris.api.config.ConfigException when the selection names a layer the tower does not have
     * @throws IllegalArgumentException           when the processor would not produce the square RGB image
     *                                             the tower reads
     */
    public ClipVisionEncoder(ClipVisionConfig config, FeatureSelection selection, String selectionKey, ImageProcessor processor) {
        super(config, processor, ClipVisionEncoder::mismatch);
        this.tower = new ClipVisionTower(config);
        this.selection = Objects.requireNonNull(selection, "selection");
        this.selectionKey = Objects.requireNonNull(selectionKey, "selectionKey");
        selection.resolve(config.layers(), selectionKey); // refuse a layer outside the tower now, not when run
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
        ClipVisionConfig config = ClipVisionConfig.read(folder.resolve(CONFIG));
        ImageProcessorConfig pc = processorConfig(folder, config, defaultsFor(config), defaultsFor(config),
                ClipVisionEncoder::mismatch);
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

    public ClipVisionConfig config() {
        return tower.config();
    }

    public ClipVisionTower tower() {
        return tower;
    }

    public FeatureSelection selection() {
        return selection;
    }

    /** Encoder layers the features pass through (the rest of the tower is never described). */
    public int layersRun() {
        return selection.resolve(config().layers(), selectionKey);
    }

    @Override
    public int tokens() {
        return selection.tokens(config().patches());
    }

    @Override
    public Value encode(GraphBuilder g, Value pixels) {
        return tower.features(g, pixels, selection, selectionKey);
    }
}
