package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.text.ChatMessage;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.ChatTemplates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ChatMl against prompts rendered by Python jinja2 from the official templates. */
class ChatMlTest {

    private static List<ChatMessage> messages(Object list) {
        List<ChatMessage> out = new ArrayList<>();
        for (Object o : Fixtures.list(list)) {
            Map<String, Object> m = Fixtures.map(o);
            out.add(new ChatMessage((String) m.get("role"), (String) m.get("content")));
        }
        return out;
    }

    @Test
    void qwen3MatchesTheFixtureCasesByteForByte() {
        Map<String, Object> fixture = Fixtures.json("chat_cases.json");
        Map<String, Object> cases = Fixtures.map(fixture.get("cases"));
        Map<String, Object> expected = Fixtures.map(fixture.get("expected"));
        assertThat(cases.keySet()).containsExactly("a", "b", "c");
        for (String k : cases.keySet()) {
            Map<String, Object> c = Fixtures.map(cases.get(k));
            ChatMl chat = c.get("enable_thinking") instanceof Boolean b ? ChatMl.qwen3().withThinking(b) : ChatMl.qwen3();
            String rendered = chat.render(messages(c.get("messages")), (Boolean) c.get("add_generation_prompt"));
            assertThat(rendered).as("case " + k).isEqualTo(expected.get(k));
        }
    }

    @Test
    void everyFlavourMatchesTheGoldenPrompts() {
        Map<String, ChatMl> flavours = Map.of(
                "chatml", ChatMl.chatMl(),
                "qwen25", ChatMl.qwen25(),
                "qwen3", ChatMl.qwen3(),
                "qwen3_no_thinking", ChatMl.qwen3().withThinking(false),
                "qwen3_thinking", ChatMl.qwen3().withThinking(true));
        List<Object> cases = Fixtures.list(Fixtures.json("chat_golden.json").get("cases"));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(13);
        int checked = 0;
        for (Object o : cases) {
            Map<String, Object> c = Fixtures.map(o);
            List<ChatMessage> msgs = messages(c.get("messages"));
            boolean gen = (Boolean) c.get("add_generation_prompt");
            Map<String, Object> expected = Fixtures.map(c.get("expected"));
            assertThat(expected.keySet()).containsExactlyInAnyOrderElementsOf(flavours.keySet());
            for (Map.Entry<String, ChatMl> f : flavours.entrySet()) {
                assertThat(f.getValue().render(msgs, gen)).as(c.get("name") + " / " + f.getKey()).isEqualTo(expected.get(f.getKey()));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(cases.size() * flavours.size());
    }

    @Test
    void thePresetTemplateIsTheOneTheGoldenFileWasRenderedWith() {
        Map<String, Object> templates = Fixtures.map(Fixtures.json("chat_golden.json").get("templates"));
        assertThat(Qwen2Presets.CHATML_TEMPLATE).isEqualTo(templates.get("chatml"));
    }

    @Test
    void qwen25AddsItsDefaultSystemTurnOnlyWhenAsked() {
        List<ChatMessage> hi = List.of(ChatMessage.user("Hi"));
        assertThat(ChatMl.qwen25().render(hi, true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(ChatMl.qwen25().withDefaultSystem(null).render(hi, true)).isEqualTo(ChatMl.chatMl().render(hi, true));
        assertThat(ChatMl.qwen25().withDefaultSystem("Be brief.").render(hi, false)).startsWith("<|im_start|>system\nBe brief.<|im_end|>\n");
        assertThat(ChatMl.qwen3().render(hi, true)).doesNotContain("system");
        assertThat(ChatMl.chatMl().render(hi, true)).doesNotContain("system");
        assertThat(ChatMl.qwen25().defaultSystem()).hasValue(ChatMl.QWEN25_DEFAULT_SYSTEM);
        assertThat(ChatMl.qwen3().defaultSystem()).isEmpty();
    }

    @Test
    void thePromptIsAPrefixOfTheTrainingText() {
        // training masks the prompt by its length: render(prompt, true) must start render(prompt + answer, false)
        List<ChatMessage> prompt = List.of(ChatMessage.system("S"), ChatMessage.user(ChatMl.chatMl().withImage("Describe the image.", 4)));
        List<ChatMessage> full = new ArrayList<>(prompt);
        full.add(ChatMessage.assistant("A red circle."));
        for (ChatMl chat : List.of(ChatMl.chatMl(), ChatMl.qwen25(), ChatMl.qwen3(), ChatMl.qwen3().withThinking(false))) {
            String p = chat.render(prompt, true), t = chat.render(full, false);
            assertThat(t).as(chat.toString()).startsWith(p).endsWith("A red circle." + chat.endOfTurn() + "\n");
        }
        // with thinking off the empty think block is part of the prompt, so the answer alone is learned
        ChatMl noThink = ChatMl.qwen3().withThinking(false);
        assertThat(noThink.render(full, false).substring(noThink.render(prompt, true).length())).isEqualTo("A red circle.<|im_end|>\n");
    }

    @Test
    void imagesAreWrittenInTheTutorialsLayoutUnlessQwen2VlIsAskedFor() {
        for (ChatMl chat : List.of(ChatMl.chatMl(), ChatMl.qwen25(), ChatMl.qwen3(), ChatMl.qwen3().withThinking(false))) {
            assertThat(chat.imageLayout()).as(chat.toString()).isEqualTo(ChatMl.ImageLayout.TUTORIAL);
            assertThat(chat.imageBlock(2)).isEqualTo("<|image_pad|><|image_pad|>");
            assertThat(chat.withImage("Describe the image.", 2)).isEqualTo("Describe the image.\n<|image_pad|><|image_pad|>");
        }
        ChatMl vl = ChatMl.qwen3().withImageLayout(ChatMl.ImageLayout.QWEN2_VL);
        assertThat(vl.imageBlock(2)).isEqualTo("<|vision_start|><|image_pad|><|image_pad|><|vision_end|>");
        assertThat(vl.withImage("Describe.", 1)).isEqualTo("Describe.\n<|vision_start|><|image_pad|><|vision_end|>");
        assertThat(vl).isNotEqualTo(ChatMl.qwen3()).hasToString("ChatMl[QWEN3, image_block=qwen2-vl]");
        assertThat(vl.withThinking(false).imageLayout()).isEqualTo(ChatMl.ImageLayout.QWEN2_VL);
        assertThat(ChatMl.chatMl().endOfTurn()).isEqualTo("<|im_end|>");
        assertThatThrownBy(() -> ChatMl.chatMl().imageBlock(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFamilyWithoutAnImageTokenNamesTheOneItAdded() {
        ChatMl added = ChatMl.chatMl().withImageToken("<image>");
        assertThat(added.withImage("Describe.", 2)).isEqualTo("Describe.\n<image><image>");
        assertThat(ChatMl.qwen3().withImageToken("<image>").withThinking(false).imageBlock(1)).isEqualTo("<image>");
        assertThat(added).isNotEqualTo(ChatMl.chatMl()).hasToString("ChatMl[CHATML, image token <image>]");
        assertThat(added.render(List.of(new ChatMessage("user", "hi")), true)).isEqualTo(ChatMl.chatMl().render(List.of(new ChatMessage("user", "hi")), true));
        assertThatThrownBy(() -> ChatMl.chatMl().withImageToken("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rolesTheQwenTemplatesWouldDropAreRefused() {
        List<ChatMessage> odd = List.of(new ChatMessage("narrator", "Once upon a time"));
        assertThatThrownBy(() -> ChatMl.qwen3().render(odd, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("narrator");
        assertThatThrownBy(() -> ChatMl.qwen25().render(odd, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("narrator");
        assertThat(ChatMl.chatMl().render(odd, false)).isEqualTo("<|im_start|>narrator\nOnce upon a time<|im_end|>\n");
        assertThatThrownBy(() -> ChatMl.qwen25().withThinking(false)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theFlavourFollowsTheModelsTemplateText() {
        String qwen3 = (String) Fixtures.json("tokenizer_config.json").get("chat_template");
        assertThat(ChatTemplates.recognise(qwen3)).hasValue(ChatMl.qwen3());
        String qwen25 = (String) Fixtures.map(Fixtures.json("chat_golden.json").get("templates")).get("qwen25");
        assertThat(ChatTemplates.recognise(qwen25)).hasValue(ChatMl.qwen25());
        assertThat(ChatTemplates.recognise(Qwen2Presets.CHATML_TEMPLATE)).hasValue(ChatMl.chatMl());
        // no ChatML markers: not guessed as ChatML any more
        assertThat(ChatTemplates.recognise("{% for m in messages %}{{ m.content }}{% endfor %}")).isEmpty();
    }

    @Test
    void smolLm2AddsItsSystemTurnLikeItsTemplate() {
        assertThat(ChatMl.smolLm2().render(List.of(ChatMessage.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(ChatMl.smolLm2().withImageToken("<image>").imageBlock(2)).isEqualTo("<image><image>");
    }
}
