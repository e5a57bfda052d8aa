package dev.iris.llm.llama;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.common.text.ChatTemplates;
import dev.iris.common.text.FamilyChatTemplate;
import dev.iris.common.text.HfModelFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code type: llama}: {@code LlamaForCausalLM} checkpoints (Llama 2/3.x, TinyLlama, SmolLM2) in Hugging Face format. */
public final class LlamaProvider implements LanguageModelProvider {

    @Override
    public String type() {
        return "llama";
    }

    @Override
    public String description() {
        return "Llama-family decoder (Llama 2/3.x, TinyLlama, SmolLM2) from a Hugging Face folder (config.json, *.safetensors, tokenizer.json)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.of("path", "Hugging Face folder with config.json, *.safetensors and tokenizer.json (required)"),
                ConfigField.of("chat_template", "auto (default: recognised from the folder's chat_template) or one of "
                        + String.join(", ", ChatTemplates.NAMES)));
    }

    /** {@code tiny}, {@code llama-3.2-1b} and {@code smollm2-360m}; see {@link LlamaPresets}. */
    @Override
    public List<String> presets() {
        return LlamaPresets.NAMES;
    }

    @Override
    public Map<String, String> presetFiles(String preset) {
        if (!LlamaPresets.NAMES.contains(preset)) return LanguageModelProvider.super.presetFiles(preset);
        return LlamaPresets.files(preset);
    }

    @Override
    public LanguageModel create(ComponentConfig config, PluginContext context) {
        Path folder = HfModelFolder.checked(config);
        return LlamaLanguageModel.open(folder, template(config, folder));
    }

    /**
     * The chat template {@code chat_template} names, writing image positions as
     * {@link LlamaLanguageModel#IMAGE_TOKEN}: {@code auto} (default) recognises the folder's own
     * template ({@link ChatTemplates#select}: Llama 3 / 3.1 / 3.2, SmolLM2, Zephyr, ChatML, ...),
     * or one of {@link ChatTemplates#NAMES}. A folder without a template, or with one Iris does not
     * render, is an error naming {@code chat_template} and the choices.
     */
    static FamilyChatTemplate template(ComponentConfig config, Path folder) {
        String name = config.optString("chat_template").orElse("auto");
        return ChatTemplates.select(config.key(), folder, name, null).withImageToken(LlamaLanguageModel.IMAGE_TOKEN);
    }
}
