package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.json.Json;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.text.ChatTemplate;
import dev.iris.common.text.ChatMl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code type: llama}: {@code LlamaForCausalLM} checkpoints (Llama 2/3.x, TinyLlama, SmolLM2) in Hugging Face format. */
public final class LlamaProvider implements LanguageModelProvider {
    /** The values {@code chat_template} takes. */
    static final List<String> TEMPLATES = List.of("auto", "chatml");

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
                ConfigField.of("chat_template", "auto (default: the folder's chat_template when it is ChatML) or chatml"));
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
        Path folder = config.path("path");
        if (!Files.isDirectory(folder)) throw new ConfigException(config.key() + ".path: " + folder + " is not a folder");
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new ConfigException(config.key() + ".path: " + folder + " has no config.json (is it a Hugging Face model folder?)");
        }
        if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            throw new ConfigException(config.key() + ".path: " + folder + " has no tokenizer.json (Iris needs the checkpoint's own tokenizer)");
        }
        return LlamaLanguageModel.open(folder, template(config, folder));
    }

    /**
     * The chat template {@code chat_template} names, writing image positions as
     * {@link LlamaLanguageModel#IMAGE_TOKEN}: {@code chatml}, or {@code auto} (default), which
     * takes the folder's own template ({@code tokenizer_config.json}'s {@code chat_template}, else
     * {@code chat_template.jinja}) when it is ChatML (SmolLM2's is) and otherwise fails naming the
     * choices.
     */
    static ChatTemplate template(ComponentConfig config, Path folder) {
        String name = config.optString("chat_template").orElse("auto");
        ChatMl chatMl = ChatMl.chatMl().withImageToken(LlamaLanguageModel.IMAGE_TOKEN);
        return switch (name) {
            case "chatml" -> chatMl;
            case "auto" -> {
                String text = templateText(folder);
                if (text == null) {
                    throw config.error("chat_template", folder + " has no chat_template (tokenizer_config.json or chat_template.jinja);"
                            + " set it to one of " + TEMPLATES.subList(1, TEMPLATES.size()));
                }
                if (text.contains(ChatMl.IM_START) && text.contains(ChatMl.IM_END)) yield chatMl;
                throw config.error("chat_template", "the chat_template of " + folder + " is not one Iris renders yet (it is not ChatML);"
                        + " set it to one of " + TEMPLATES.subList(1, TEMPLATES.size()));
            }
            default -> throw config.error("chat_template", "expected one of " + TEMPLATES + " but got \"" + name + "\"");
        };
    }

    /** {@code tokenizer_config.json}'s {@code chat_template} (a string, or the one named "default" of a list), else {@code chat_template.jinja}. */
    static String templateText(Path folder) {
        Path config = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            Object value = Json.readObject(config).get("chat_template");
            if (value instanceof String s) return s;
            if (value instanceof List<?> named) {
                for (Object o : named) {
                    if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) return s;
                }
            }
        }
        Path jinja = folder.resolve("chat_template.jinja");
        if (!Files.isRegularFile(jinja)) return null;
        try {
            return Files.readString(jinja, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException(jinja + ": cannot read: " + e.getMessage(), e);
        }
    }
}
