package dev.iris.common.vision;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What every ViT encoder read from a Hugging Face folder shares, whatever its family: the folder's
 * files, the check that the image processor feeds the tower the square RGB image it reads, and
 * images to pixels through the processor. A family adds its tower ({@link #encode}) and its token
 * count.
 */
public abstract class VitImageEncoder implements VisionEncoder {
    public static final String CONFIG = "config.json";
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

    /** Why a family's tower cannot read what a processor gives, or null when it can. */
    @FunctionalInterface
    protected interface Fit<C extends VitConfig> {
        String problem(C config, ImageProcessorConfig processor);
    }

    private final VitConfig vit;
    private final ImageProcessor processor;

    /**
     * @throws IllegalArgumentException when the processor would not produce the square RGB image
     *                                  the tower reads ({@code problem} says why)
     */
    protected <C extends VitConfig> VitImageEncoder(C vit, ImageProcessor processor, Fit<C> fit) {
        this.vit = Objects.requireNonNull(vit, "config");
        this.processor = Objects.requireNonNull(processor, "processor");
        String problem = problem(vit, processor.config(), fit);
        if (problem != null) throw new IllegalArgumentException(problem);
    }

    private static <C extends VitConfig> String problem(C config, ImageProcessorConfig pc, Fit<C> fit) {
        String channels = channelsProblem(config);
        return channels != null ? channels : fit.problem(config, pc);
    }

    /**
     * The processor settings of a model folder for a tower of {@code config} (read from its
     * {@code config.json}): {@code preprocessor_config.json} when present, {@code keyDefaults}
     * filling its missing keys, else {@code absent}.
     *
     * @throws ConfigException naming the file when the images would not fit the tower
     */
    protected static <C extends VitConfig> ImageProcessorConfig processorConfig(Path folder, C config,
            ImageProcessorConfig keyDefaults, ImageProcessorConfig absent, Fit<C> fit) {
        if (config.channels() != 3) throw new ConfigException(folder.resolve(CONFIG) + ": " + channelsProblem(config));
        Path pre = folder.resolve(PREPROCESSOR_CONFIG);
        ImageProcessorConfig pc = Files.isRegularFile(pre) ? ImageProcessorConfig.load(pre, keyDefaults) : absent;
        String problem = problem(config, pc, fit);
        if (problem != null) throw new ConfigException(pre + ": " + problem);
        return pc;
    }

    /**
     * The model folder a plugin section's {@code path} names, checked to exist and hold a
     * {@code config.json}.
     *
     * @param family names the expected folder in the error (e.g. "CLIP")
     */
    public static Path modelFolder(ComponentConfig section, String family) {
        Path folder = section.path("path");
        String key = section.keyOf("path");
        if (!Files.exists(folder)) throw new ConfigException(key + ": folder " + folder + " does not exist");
        if (!Files.isDirectory(folder)) throw new ConfigException(key + ": " + folder + " is not a folder");
        if (!Files.isRegularFile(folder.resolve(CONFIG))) {
            throw new ConfigException(key + ": " + folder + " has no " + CONFIG + " (is it a Hugging Face " + family + " folder?)");
        }
        return folder;
    }

    /** Non-null when the tower does not read RGB: images are always preprocessed to 3 channels. */
    protected static String channelsProblem(VitConfig config) {
        return config.channels() == 3 ? null
                : "num_channels is " + config.channels() + ", but images are preprocessed to 3 channels (RGB)";
    }

    /** A resize target as {@code preprocessor_config.json} writes it. */
    protected static String describe(ImageProcessorConfig.Size size) {
        return switch (size) {
            case ImageProcessorConfig.Fixed f -> "{\"height\": " + f.height() + ", \"width\": " + f.width() + "}";
            case ImageProcessorConfig.ShortestEdge e -> "{\"shortest_edge\": " + e.shortestEdge() + "}";
        };
    }

    public ImageProcessor processor() {
        return processor;
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
        return vit.imageSize();
    }

    @Override
    public int hiddenSize() {
        return vit.hiddenSize();
    }
}
