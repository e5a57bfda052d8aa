package dev.iris.common.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every named template against prompts Python jinja2 renders from the models' own templates (make_golden.py). */
class ChatTemplatesTest {

    private static String resource(String name) {
        try (InputStream in = ChatTemplatesTest.class.getResourceAsStream("/chat-templates/" + name)) {
            if (in == null) throw new IllegalStateException("test resource chat-templates/" + name + " is missing");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> golden() {
        return (Map<String, Object>) Json.parse(resource("golden.json"), "golden.json");
    }

    private static Clock fixed(LocalDate day) {
        return Clock.fixed(day.atTime(12, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }

    private static Map<String, ChatTemplate> variants(LocalDate today) {
        Map<String, ChatTemplate> v = new LinkedHashMap<>();
        v.put("llama3", Llama3Chat.llama3());
        v.put("llama3.1", Llama3Chat.llama31());
        v.put("llama3.1_date", Llama3Chat.llama31().withDateString("05 Dec 2026"));
        v.put("llama3.2", Llama3Chat.llama32());
        v.put("llama3.2_date", Llama3Chat.llama32().withDateString("05 Dec 2026"));
        v.put("llama3.2_today", Llama3Chat.llama32().withToday(fixed(today)));
        for (String n : List.of("chatml", "smollm2", "qwen2", "zephyr", "qwen25", "qwen3", "qwen3-no-thinking")) v.put(n, ChatTemplates.named(n).orElseThrow());
        return v;
    }

    @SuppressWarnings("unchecked")
    private static List<ChatMessage> messages(Object list) {
        List<ChatMessage> out = new ArrayList<>();
        for (Object o : (List<Object>) list) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new ChatMessage((String) m.get("role"), (String) m.get("content")));
        }
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyTemplateMatchesTheJinjaRenderedPromptsByteForByte() {
        Map<String, Object> golden = golden();
        Map<String, ChatTemplate> variants = variants(LocalDate.parse((String) golden.get("today")));
        assertThat(((Map<String, Object>) golden.get("variants")).keySet()).containsExactlyElementsOf(variants.keySet());
        List<Object> cases = (List<Object>) golden.get("cases");
        assertThat(cases).hasSizeGreaterThanOrEqualTo(15);
        int compared = 0, rejected = 0;
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            List<ChatMessage> msgs = messages(c.get("messages"));
            boolean gen = (Boolean) c.get("add_generation_prompt");
            Map<String, Object> expected = (Map<String, Object>) c.get("expected");
            List<Object> rejectedBy = (List<Object>) c.get("rejected_by");
            for (Map.Entry<String, ChatTemplate> v : variants.entrySet()) {
                String what = c.get("name") + " / " + v.getKey();
                if (rejectedBy.contains(v.getKey())) {
                    // the Jinja template drops the turn silently; Iris refuses instead of losing it
                    assertThatThrownBy(() -> v.getValue().render(msgs, gen)).as(what)
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("role");
                    rejected++;
                } else {
                    assertThat(v.getValue().render(msgs, gen)).as(what).isEqualTo(expected.get(v.getKey()));
                    compared++;
                }
            }
        }
        assertThat(compared + rejected).isEqualTo(cases.size() * variants.size());
        assertThat(rejected).isBetween(1, cases.size() * 4);
    }

    @Test
    @SuppressWarnings("unchecked")
    void todaysDateIsWrittenAsPythonsStrftimeWritesIt() {
        Map<String, Object> dates = (Map<String, Object>) golden().get("dates");
        assertThat(dates).hasSize(12);
        for (Map.Entry<String, Object> d : dates.entrySet()) {
            Llama3Chat t = Llama3Chat.llama32().withToday(fixed(LocalDate.parse(d.getKey())));
            assertThat(t.dateString()).as(d.getKey()).isEqualTo(d.getValue());
            assertThat(t.render(List.of(ChatMessage.user("x")), false)).contains("Today Date: " + d.getValue() + "\n\n");
        }
        assertThat(Llama3Chat.llama31().dateString()).isEqualTo("26 Jul 2024");
        assertThatThrownBy(() -> Llama3Chat.llama3().withDateString("01 Jan 2025")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("writes no date");
    }

    @Test
    void eachModelsTemplateTextIsRecognised() {
        Map<String, String> files = Map.of("llama3.jinja", "llama3", "llama3.1.jinja", "llama3.1", "llama3.2.jinja", "llama3.2",
                "chatml.jinja", "chatml", "smollm2.jinja", "smollm2", "zephyr.jinja", "zephyr", "qwen25.jinja", "qwen25",
                "qwen3.jinja", "qwen3", "qwen2.jinja", "qwen2");
        for (Map.Entry<String, String> f : files.entrySet()) {
            String text = resource(f.getKey());
            assertThat(ChatTemplates.recogniseName(text)).as(f.getKey()).hasValue(f.getValue());
            assertThat(ChatTemplates.recognise(text)).as(f.getKey()).isEqualTo(ChatTemplates.named(f.getValue()));
        }
    }

    @Test
    void templatesIrisDoesNotRenderAreNotGuessed() {
        // a ChatML template that adds a system turn of its own text: not plain ChatML, and none Iris knows
        String pirate = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a pirate.<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
        // the same with Qwen2-Instruct's text is Qwen2's template, its newlines escaped or not
        assertThat(ChatTemplates.recogniseName(pirate.replace("You are a pirate.", "You are a helpful assistant."))).hasValue("qwen2");
        String phi3 = "{% for message in messages %}<|user|>{{ message['content'] }}<|end|>{% endfor %}<|assistant|>";
        String llama2 = "{% if messages[0]['role'] == 'system' %}[INST] <<SYS>>\\n{{ messages[0]['content'] }}<</SYS>>{% endif %}";
        for (String t : List.of(pirate, phi3, llama2, "", "  ")) assertThat(ChatTemplates.recognise(t)).as(t).isEmpty();
        assertThat(ChatTemplates.recognise(null)).isEmpty();
    }

    @Test
    void everyNameSelectsATemplateAndUnknownNamesNone() {
        for (String n : ChatTemplates.NAMES) assertThat(ChatTemplates.named(n)).as(n).isPresent();
        assertThat(ChatTemplates.named("llama2")).isEmpty();
        assertThat(ChatTemplates.named(null)).isEmpty();
        assertThat(ChatTemplates.named("smollm2").orElseThrow()).isEqualTo(ChatMl.smolLm2());
        assertThat(ChatTemplates.named("qwen3-no-thinking").orElseThrow()).isEqualTo(ChatMl.qwen3().withThinking(false));
        assertThat(ChatTemplates.named("llama3").orElseThrow().endOfTurn()).isEqualTo("<|eot_id|>");
        assertThat(ChatTemplates.named("llama3.2").orElseThrow().endOfTurn()).isEqualTo("<|eot_id|>");
        assertThat(ChatTemplates.named("zephyr").orElseThrow().endOfTurn()).isEqualTo("</s>");
        assertThat(ChatTemplates.named("smollm2").orElseThrow().endOfTurn()).isEqualTo("<|im_end|>");
    }

    @Test
    void theFolderTemplateComesFromTokenizerConfigOrChatTemplateJinja(@TempDir Path dir) throws IOException {
        assertThat(ChatTemplates.templateText(dir)).isEmpty();
        Files.writeString(dir.resolve("chat_template.jinja"), resource("zephyr.jinja"));
        assertThat(ChatTemplates.templateText(dir)).hasValue(resource("zephyr.jinja"));
        // tokenizer_config.json wins over chat_template.jinja
        Files.writeString(dir.resolve("tokenizer_config.json"), JsonText.write(Map.of("chat_template", resource("llama3.2.jinja"))));
        assertThat(ChatTemplates.templateText(dir)).hasValue(resource("llama3.2.jinja"));
        // the list-of-named-templates form: "default" is the chat template
        Files.writeString(dir.resolve("tokenizer_config.json"), JsonText.write(Map.of("chat_template", List.of(
                Map.of("name", "tool_use", "template", "{{ tools }}"), Map.of("name", "default", "template", resource("smollm2.jinja"))))));
        assertThat(ChatTemplates.templateText(dir)).hasValue(resource("smollm2.jinja"));
        Files.writeString(dir.resolve("tokenizer_config.json"), JsonText.write(Map.of("eos_token", "</s>")));
        assertThat(ChatTemplates.templateText(dir)).hasValue(resource("zephyr.jinja"));
    }

    @Test
    void selectRecognisesNamesOrFailsNamingTheKeyAndTheChoices(@TempDir Path dir) throws IOException {
        assertThat(ChatTemplates.select("model.llm", dir, null, ChatMl.chatMl())).isEqualTo(ChatMl.chatMl());
        assertThatThrownBy(() -> ChatTemplates.select("model.llm", dir, "auto", null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.chat_template").hasMessageContaining("has no chat template").hasMessageContaining("zephyr");
        Files.writeString(dir.resolve("tokenizer_config.json"), JsonText.write(Map.of("chat_template", resource("llama3.1.jinja"))));
        assertThat(ChatTemplates.select("model.llm", dir, "auto", null)).isEqualTo(Llama3Chat.llama31());
        assertThat(ChatTemplates.select("model.llm", dir, "zephyr", null)).isEqualTo(ZephyrChat.zephyr());
        assertThatThrownBy(() -> ChatTemplates.select("model.llm", dir, "vicuna", null)).isInstanceOf(ConfigException.class)
                .hasMessage("model.llm.chat_template: expected auto, llama3, llama3.1, llama3.2, chatml, smollm2, zephyr, qwen2, qwen25,"
                        + " qwen3, qwen3-no-thinking but got \"vicuna\"");
        Files.writeString(dir.resolve("tokenizer_config.json"), JsonText.write(Map.of("chat_template", "[INST] {{ messages[0]['content'] }} [/INST]")));
        assertThatThrownBy(() -> ChatTemplates.select("model.llm", dir, "auto", ChatMl.chatMl())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.chat_template: the chat template of " + dir)
                .hasMessageContaining("[INST] {{ messages[0]['content'] }} [/INST]")
                .hasMessageContaining("llama3, llama3.1, llama3.2, chatml, smollm2, zephyr, qwen2, qwen25, qwen3, qwen3-no-thinking");
    }

    @Test
    void imageBlocksUseTheTokenThePluginNames() {
        for (String n : ChatTemplates.NAMES) {
            FamilyChatTemplate t = ChatTemplates.named(n).orElseThrow().withImageToken("<image>");
            assertThat(t.imageBlock(3)).as(n).isEqualTo("<image><image><image>");
            assertThat(t.withImage("Describe.", 2)).as(n).isEqualTo("Describe.\n<image><image>");
            assertThatThrownBy(() -> t.imageBlock(0)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Llama3Chat.llama32().imageBlock(4)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withImageToken");
        assertThatThrownBy(() -> ZephyrChat.zephyr().imageBlock(4)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withImageToken");
        assertThat(Llama3Chat.llama3().withImageToken("<|reserved_special_token_0|>").imageToken()).hasValue("<|reserved_special_token_0|>");
        // the token survives other options
        assertThat(Llama3Chat.llama31().withImageToken("<image>").withDateString("01 Jan 2025").imageBlock(1)).isEqualTo("<image>");
    }

    @Test
    void edgeConversationsBehaveAsTheTemplatesDo() {
        // Llama 3.1/3.2 read messages[0]: an empty conversation is an error there, Llama 3 writes nothing but the prompt
        assertThatThrownBy(() -> Llama3Chat.llama32().render(List.of(), true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one message");
        assertThat(Llama3Chat.llama3().render(List.of(), true)).isEqualTo("<|start_header_id|>assistant<|end_header_id|>\n\n");
        // Zephyr writes its generation prompt only after a last message; SmolLM2 its system turn only before a first one
        assertThat(ZephyrChat.zephyr().render(List.of(), true)).isEmpty();
        assertThat(ChatMl.smolLm2().render(List.of(), true)).isEqualTo("<|im_start|>assistant\n");
        assertThat(ChatMl.qwen2().render(List.of(), true)).isEqualTo("<|im_start|>assistant\n");
        assertThat(ChatMl.qwen25().render(List.of(), false)).startsWith("<|im_start|>system\nYou are Qwen");
    }

    @Test
    void pythonWhitespaceAndJsonRulesHold() {
        assertThat(Llama3Chat.pythonStrip("\u00A0\u2007\u202F\u0085 x \u200B")).isEqualTo("x \u200B");
        for (char c = 0; c < 0x3001; c++) {
            boolean python = Character.isWhitespace(c) || c == '\u0085' || c == '\u00A0' || c == '\u2007' || c == '\u202F';
            assertThat(Llama3Chat.isPythonSpace(c)).as("U+%04X", (int) c).isEqualTo(python);
        }
        assertThat(Llama3Chat.jsonString("a\"b\\c\n\u0001\u007f é")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\u007f é\"");
    }
}
