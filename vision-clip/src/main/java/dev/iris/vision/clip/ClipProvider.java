package dev.iris.vision.clip;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.common.vision.VitImageEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code type: clip}: a CLIP vision tower from a Hugging Face folder ({@code config.json},
 * weights), with LLaVA's feature selection.
 */
public final class ClipProvider implements VisionEncoderProvider {
    public static final String TYPE = "clip";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "CLIP vision tower (a hidden state chosen as LLaVA does) from a Hugging Face folder (config.json, *.safetensors)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.path("path", "Hugging Face folder with config.json and *.safetensors (required)"),
                ConfigField.of(FeatureSelection.LAYER, "hidden state read: 0 = embeddings after pre_layrnorm, i = output of"
                        + " layer i, negative from the end (default -2, LLaVA's)"),
                ConfigField.of(FeatureSelection.STRATEGY, "default drops the class token, full keeps it (default: default)"));
    }

    @Override
    public VisionEncoder create(ComponentConfig config, PluginContext context) {
        Path folder = VitImageEncoder.modelFolder(config, "CLIP");
        FeatureSelection selection = FeatureSelection.of(config);
        return ClipVisionEncoder.open(folder, selection, config.keyOf(FeatureSelection.LAYER));
    }

    @Override
    public List<String> presets() {
        return ClipPresets.NAMES;
    }

    @Override
    public Map<String, String> presetFiles(String preset) {
        return ClipPresets.files(preset);
    }
}
