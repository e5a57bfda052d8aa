package dev.iris.vision.siglip;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.common.vision.VitConfig;
import dev.iris.common.vision.VitImageEncoder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code type: siglip}: a SigLIP vision tower from a Hugging Face folder ({@code config.json}, weights). */
public final class SiglipProvider implements VisionEncoderProvider {
    public static final String TYPE = "siglip";

    /** Presets {@code iris init} can write: the quickstart's tiny tower and the real base shapes. */
    public static final List<String> PRESETS = List.of("tiny", "siglip-base-patch16-224");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "SigLIP vision tower (last_hidden_state) from a Hugging Face folder (config.json, *.safetensors)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(ConfigField.of("path", "Hugging Face folder with config.json and *.safetensors (required)"));
    }

    @Override
    public VisionEncoder create(ComponentConfig config, PluginContext context) {
        Path folder = VitImageEncoder.modelFolder(config, "SigLIP");
        return SiglipVisionEncoder.open(folder);
    }

    @Override
    public List<String> presets() {
        return PRESETS;
    }

    @Override
    public Map<String, String> presetFiles(String preset) {
        SiglipVisionConfig c = switch (preset) {
            // 64 px in 8 px patches: 64 patches (16 image tokens after a 4x merge), room for coloured
            // shapes at distinct positions, and fast enough for unit tests on a CPU
            case "tiny" -> new SiglipVisionConfig(64, 128, 2, 4, 3, 64, 8, 1e-6, "gelu_pytorch_tanh");
            case "siglip-base-patch16-224" -> SiglipVisionConfig.defaults();
            default -> throw new IllegalArgumentException("'" + TYPE + "' has no preset '" + preset + "' (presets: " + PRESETS + ")");
        };
        Map<String, String> files = new LinkedHashMap<>();
        files.put(SiglipVisionEncoder.CONFIG, VitConfig.configJson(c, "SiglipVisionModel", "siglip_vision_model"));
        files.put(SiglipVisionEncoder.PREPROCESSOR_CONFIG, preprocessorJson(c.imageSize()));
        return files;
    }

    /** SigLIP's preprocessing: bicubic resize to the square image size, 1/255, mean and std 0.5. */
    static String preprocessorJson(int imageSize) {
        return String.format(Locale.ROOT, """
                {
                  "do_normalize": true,
                  "do_rescale": true,
                  "do_resize": true,
                  "image_mean": [0.5, 0.5, 0.5],
                  "image_processor_type": "SiglipImageProcessor",
                  "image_std": [0.5, 0.5, 0.5],
                  "processor_class": "SiglipProcessor",
                  "resample": 3,
                  "rescale_factor": 0.00392156862745098,
                  "size": {"height": %d, "width": %d}
                }
                """, imageSize, imageSize);
    }
}
