package dev.iris.vision.clip;

import dev.iris.common.vision.VitConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model folders {@code iris init} can write for {@code type: clip} (without weights): a tiny
 * tower for tests and the quickstart, and the real shapes of two OpenAI CLIP towers.
 */
public final class ClipPresets {
    private ClipPresets() {}

    public static final String TINY = "tiny";
    public static final String BASE_16 = "clip-vit-base-patch16";
    public static final String LARGE_14_336 = "clip-vit-large-patch14-336";

    public static final List<String> NAMES = List.of(TINY, BASE_16, LARGE_14_336);

    /**
     * 64 px in 8 px patches: 64 patch tokens (16 image tokens after a 4x merge) once the class
     * token is dropped; 3 layers so that LLaVA's layer -2 leaves one layer unrun.
     */
    public static final ClipVisionConfig TINY_CONFIG = new ClipVisionConfig(64, 128, 3, 4, 3, 64, 8, 1e-5, "quick_gelu");

    public static ClipVisionConfig config(String preset) {
        return switch (preset) {
            case TINY -> TINY_CONFIG;
            case BASE_16 -> ClipVisionConfig.base16();
            case LARGE_14_336 -> ClipVisionConfig.large14At336();
            default -> throw new IllegalArgumentException("'" + ClipProvider.TYPE + "' has no preset '" + preset
                    + "' (presets: " + NAMES + ")");
        };
    }

    public static Map<String, String> files(String preset) {
        ClipVisionConfig c = config(preset);
        Map<String, String> files = new LinkedHashMap<>();
        files.put(ClipVisionEncoder.CONFIG, VitConfig.configJson(c, "CLIPVisionModel", "clip_vision_model"));
        // OpenAI's CLIP folders write the older bare-integer sizes; the tiny one the newer objects
        files.put(ClipVisionEncoder.PREPROCESSOR_CONFIG, preprocessorJson(c.imageSize(), !preset.equals(TINY)));
        return files;
    }

    /** CLIPImageProcessor's settings: shortest edge then center crop to the image size, bicubic, OpenAI's mean and std. */
    static String preprocessorJson(int imageSize, boolean bareIntegers) {
        String size = bareIntegers ? Integer.toString(imageSize) : "{\"shortest_edge\": " + imageSize + "}";
        String crop = bareIntegers ? Integer.toString(imageSize) : "{\"height\": " + imageSize + ", \"width\": " + imageSize + "}";
        return String.format(Locale.ROOT, """
                {
                  "crop_size": %s,
                  "do_center_crop": true,
                  "do_convert_rgb": true,
                  "do_normalize": true,
                  "do_rescale": true,
                  "do_resize": true,
                  "image_mean": [0.48145466, 0.4578275, 0.40821073],
                  "image_processor_type": "CLIPImageProcessor",
                  "image_std": [0.26862954, 0.26130258, 0.27577711],
                  "resample": 3,
                  "rescale_factor": 0.00392156862745098,
                  "size": %s
                }
                """, crop, size);
    }
}
