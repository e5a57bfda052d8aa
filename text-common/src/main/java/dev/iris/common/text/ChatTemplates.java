package dev.iris.common.text;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The chat templates Iris renders, by configuration name, and the recognition of a model
 * folder's own {@code chat_template} text. Iris does not run Jinja: each supported template is
 * written by hand ({@link ChatMl}, {@link Llama3Chat}, {@link ZephyrChat}) and checked byte for
 * byte against prompts Python jinja2 renders from the real template. A folder whose template is
 * none of these is an error that names the setting and the choices, never a silent guess.
 */
public final class ChatTemplates {
    /** The values of a language model's {@code chat_template} setting (besides {@code auto}). */
    public static final List<String> NAMES = List.of("llama3", "llama3.1", "llama3.2", "chatml", "smollm2", "zephyr",
            "qwen2", "qwen25", "qwen3", "qwen3-no-thinking");

    // a ChatML template that writes a system turn of its own text (Qwen2-Instruct's "You are a
    // helpful assistant.", Qwen2-VL's, ...): not plain ChatML, so not recognised as it
    // Qwen2-Instruct's (and Qwen2-VL's) default system turn, newline written as an escape or as itself
    private static final Pattern QWEN2_SYSTEM_TURN = Pattern.compile("<\\|im_start\\|>system(\\\\n|\\n)"
            + Pattern.quote(ChatMl.QWEN2_DEFAULT_SYSTEM + "<|im_end|>"));
    private static final Pattern OWN_SYSTEM_TURN = Pattern.compile("<\\|im_start\\|>system(\\\\n|\\n)[^'\"{<\\\\]");

    private ChatTemplates() {
    }

    /** The template a configuration name selects. */
    public static Optional<FamilyChatTemplate> named(String name) {
        if (name == null) return Optional.empty();
        return Optional.ofNullable(switch (name) {
            case "llama3" -> Llama3Chat.llama3();
            case "llama3.1" -> Llama3Chat.llama31();
            case "llama3.2" -> Llama3Chat.llama32();
            case "chatml" -> ChatMl.chatMl();
            case "smollm2" -> ChatMl.smolLm2();
            case "zephyr" -> ZephyrChat.zephyr();
            case "qwen2" -> ChatMl.qwen2();
            case "qwen25" -> ChatMl.qwen25();
            case "qwen3" -> ChatMl.qwen3();
            case "qwen3-no-thinking" -> ChatMl.qwen3().withThinking(false);
            default -> null;
        });
    }

    /**
     * The configuration name of the template a {@code chat_template} text is, recognised by its
     * distinctive text: Llama 3's headers (3.1's and 3.2's with their date lines, 3.2's reading
     * the day with {@code strftime_now}), SmolLM2's, Qwen2's and Qwen2.5's default system turns,
     * Qwen3's {@code </think>}, TinyLlama's Zephyr turns, and plain ChatML. A ChatML template that
     * writes a system turn of some other text of its own is none of these.
     */
    public static Optional<String> recogniseName(String text) {
        if (text == null || text.isBlank()) return Optional.empty();
        if (text.contains("<|start_header_id|>") && text.contains("<|eot_id|>")) {
            if (!text.contains("Cutting Knowledge Date")) return Optional.of("llama3");
            return Optional.of(text.contains("strftime_now") ? "llama3.2" : "llama3.1");
        }
        if (text.contains("<|im_start|>")) {
            if (text.contains("named SmolLM, trained by Hugging Face")) return Optional.of("smollm2");
            if (text.contains(ChatMl.QWEN25_DEFAULT_SYSTEM)) return Optional.of("qwen25");
            if (text.contains("</think>")) return Optional.of("qwen3");
            if (text.contains("loop.first") && QWEN2_SYSTEM_TURN.matcher(text).find()) return Optional.of("qwen2");
            if (OWN_SYSTEM_TURN.matcher(text).find()) return Optional.empty();
            return Optional.of("chatml");
        }
        if (text.contains("<|user|>") && text.contains("<|assistant|>") && text.contains("eos_token")) return Optional.of("zephyr");
        return Optional.empty();
    }

    /** The template a {@code chat_template} text is (see {@link #recogniseName}). */
    public static Optional<FamilyChatTemplate> recognise(String text) {
        return recogniseName(text).flatMap(ChatTemplates::named);
    }

    /**
     * A model folder's chat template text: {@code tokenizer_config.json}'s {@code chat_template}
     * (a string, or a list of {@code {name, template}} of which {@code default} is the chat
     * template), else the {@code chat_template.jinja} file newer transformers versions write.
     */
    public static Optional<String> templateText(Path folder) {
        Path config = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            Object value = Json.readObject(config).get("chat_template");
            if (value instanceof String s) return Optional.of(s);
            if (value instanceof List<?> named) {
                for (Object o : named) {
                    if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) return Optional.of(s);
                }
            }
        }
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Optional.of(Files.readString(jinja, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IrisException(jinja + ": cannot read: " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    /**
     * The template a language model's {@code chat_template} setting selects for a folder:
     * {@code auto} (or no setting) recognises the folder's own template, and uses {@code whenNone}
     * when the folder has no template at all ({@code null}: that is an error too).
     *
     * @param key the language model's configuration key, e.g. {@code model.llm}
     */
    public static FamilyChatTemplate select(String key, Path folder, String setting, FamilyChatTemplate whenNone) {
        String name = setting == null ? "auto" : setting;
        if (!name.equals("auto")) {
            return named(name).orElseThrow(() -> new ConfigException(key + ".chat_template: expected auto, " + String.join(", ", NAMES)
                    + " but got \"" + name + "\""));
        }
        Optional<String> text = templateText(folder);
        if (text.isEmpty()) {
            if (whenNone != null) return whenNone;
            throw new ConfigException(key + ".chat_template: " + folder + " has no chat template (no chat_template in tokenizer_config.json,"
                    + " no chat_template.jinja); set " + key + ".chat_template to one of " + String.join(", ", NAMES));
        }
        return recognise(text.get()).orElseThrow(() -> unsupported(key, folder, text.get()));
    }

    /** The error for a folder whose chat template Iris does not render. */
    public static ConfigException unsupported(String key, Path folder, String text) {
        String start = text.strip().replace("\n", "\\n");
        if (start.length() > 80) start = start.substring(0, 80) + "...";
        return new ConfigException(key + ".chat_template: the chat template of " + folder + " is none Iris renders (it begins \""
                + start + "\"); set " + key + ".chat_template to the one the model was trained with: " + String.join(", ", NAMES));
    }
}
