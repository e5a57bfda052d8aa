package dev.iris.datasets;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import java.util.List;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.PluginContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code type: llava-json}: LLaVA's pretraining json (e.g. {@code blip_laion_cc_sbu_558k.json}).
 *
 * <p>Fields: {@code path} (required): the json file; {@code images}: the folder the entries'
 * image paths are relative to (default: the json's folder).
 */
public final class LlavaJsonDatasetProvider implements DatasetProvider {
    @Override
    public String type() {
        return "llava-json";
    }

    @Override
    public String description() {
        return "LLaVA pretraining json (id, image, conversations) with an image folder";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.path("path", "the LLaVA json file (required)"),
                ConfigField.path("images", "folder the entries' image paths are relative to (default: the json's folder)"));
    }

    @Override
    public Dataset create(ComponentConfig config, PluginContext context) {
        Path json = config.path("path");
        if (!Files.isRegularFile(json)) {
            throw config.error("path", Files.isDirectory(json) ? "expected a json file but got the folder " + json
                    : "no such file: " + json);
        }
        Path images = config.optPath("images").orElse(json.toAbsolutePath().getParent());
        if (!Files.isDirectory(images)) {
            throw config.error("images", "no such folder: " + images);
        }
        return new LlavaJsonDataset(json, images);
    }
}
