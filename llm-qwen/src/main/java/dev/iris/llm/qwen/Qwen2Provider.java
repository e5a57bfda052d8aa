package dev.iris.llm.qwen;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code type: qwen2}: Qwen2 and Qwen2.5 checkpoints in Hugging Face format. */
public final class Qwen2Provider implements LanguageModelProvider {
    @Override
    public String type() {
        return "qwen2";
    }

    @Override
    public String description() {
        return "Qwen2 / Qwen2.5 decoder from a Hugging Face folder (config.json, *.safetensors)";
    }

    @Override
    public LanguageModel create(ComponentConfig config, PluginContext context) {
        Path folder = config.path("path");
        if (!Files.isDirectory(folder)) throw new ConfigException(config.key() + ".path: " + folder + " is not a folder");
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new ConfigException(config.key() + ".path: " + folder + " has no config.json (is it a Hugging Face model folder?)");
        }
        return Qwen2LanguageModel.open(folder);
    }
}
