package dev.iris.llm.qwen;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.ChatTemplates;
import dev.iris.common.text.FamilyChatTemplate;
import dev.iris.common.text.HfModelFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code type: qwen2}: Qwen2 and Qwen2.5 checkpoints in Hugging Face format. */
public final class Qwen2Provider implements LanguageModelProvider {
    @Override
    public String type() {
        return "qwen2";
    }

    @Override
    public String description() {
        return "Qwen2 / Qwen2.5 decoder from a Hugging Face folder (config.json, *.safetensors, tokenizer.json)";
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(
                ConfigField.of("path", "Hugging Face folder with config.json, *.safetensors and tokenizer.json (required)"),
                ConfigField.of("chat_template", "auto (default: the folder's own template, recognised; plain ChatML when it has none),"
                        + " chatml, qwen2, qwen25, qwen3, qwen3-no-thinking or smollm2 (the ChatML templates)"),
                ConfigField.of("image_block", "how an image is written after the instruction: tutorial (default: the PyTorch LLaVA"
                        + " tutorial's newline and one <|image_pad|> per image token, as its projectors were trained) or qwen2-vl"
                        + " (the pads between <|vision_start|> and <|vision_end|>)"));
    }

    /** {@code tiny} (tests, quickstart) and {@code qwen2.5-0.5b} (real shapes and tokenizer); see {@link Qwen2Presets}. */
    @Override
    public List<String> presets() {
        return Qwen2Presets.NAMES;
    }

    @Override
    public Map<String, String> presetFiles(String preset) {
        if (!Qwen2Presets.NAMES.contains(preset)) return LanguageModelProvider.super.presetFiles(preset);
        return Qwen2Presets.files(preset);
    }

    @Override
    public LanguageModel create(ComponentConfig config, PluginContext context) {
        Path folder = HfModelFolder.checked(config);
        return Qwen2LanguageModel.open(folder, template(config, folder), imageLayout(config));
    }

    /** Optional {@code image_block}: {@code tutorial} (default) or {@code qwen2-vl}. */
    static ChatMl.ImageLayout imageLayout(ComponentConfig config) {
        String name = config.optString("image_block").orElse(ChatMl.ImageLayout.TUTORIAL.configName());
        for (ChatMl.ImageLayout l : ChatMl.ImageLayout.values()) if (l.configName().equals(name)) return l;
        throw config.error("image_block", "expected tutorial or qwen2-vl but got \"" + name + "\"");
    }

    /**
     * Optional {@code chat_template}: {@code auto} (default) recognises the folder's own template
     * ({@link ChatTemplates#select}; a folder without one gets plain ChatML, as Iris's presets
     * write), or one of the ChatML template names. A template the Qwen vocabulary cannot write
     * (Llama 3's headers, Zephyr's turns) is refused, as is a folder template Iris does not render.
     */
    static ChatMl template(ComponentConfig config, Path folder) {
        String name = config.optString("chat_template").orElse("auto");
        FamilyChatTemplate t = ChatTemplates.select(config.key(), folder, name, ChatMl.chatMl());
        if (t instanceof ChatMl chatMl) return chatMl;
        throw config.error("chat_template", "a qwen2 model writes ChatML prompts (chatml, qwen2, qwen25, qwen3, qwen3-no-thinking or smollm2), not "
                + ("auto".equals(name) ? "its folder's template " + t : "\"" + name + "\""));
    }
}
