package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default prompt of an image question is the PyTorch LLaVA tutorial's, with the real Qwen
 * tokenizer: the instruction, a newline and 49 {@code <|image_pad|>}, nothing around them. The
 * expected ids are an independent tokenizer's ({@code tutorial_layout_cases.json}) for strings
 * written out by hand, not produced by the template under test.
 */
class TutorialLayoutTest {
    static final String INSTRUCTION = "Describe the image concisely.";
    static final String PADS = "<|image_pad|>".repeat(49);

    @TempDir
    static Path dir;
    static LanguageModel llm;

    @BeforeAll
    static void realTokenizer() {
        // the qwen2.5-0.5b preset: the real Qwen vocabulary, plain ChatML; made as a config would make it
        llm = Qwen2ProviderTest.create(Fixtures.write(Qwen2Presets.files(Qwen2Presets.QWEN25_05B), dir.resolve("qwen")), Map.of());
    }

    private static Map<String, Object> fixture(int i) {
        return Fixtures.map(Fixtures.list(Fixtures.json("tutorial_layout_cases.json").get("cases")).get(i));
    }

    @Test
    void anImageQuestionIsTheTutorialsLayoutToTheId() {
        String byHand = "<|im_start|>user\n" + INSTRUCTION + "\n" + PADS + "<|im_end|>\n<|im_start|>assistant\n";
        Map<String, Object> independent = fixture(0);
        assertThat(independent.get("text")).isEqualTo(byHand);

        ChatTemplate t = llm.chatTemplate();
        String rendered = t.render(List.of(ChatMessage.user(t.withImage(INSTRUCTION, 49))), true);
        assertThat(rendered).isEqualTo(byHand).doesNotContain("<|vision_start|>", "<|vision_end|>");
        long[] ids = llm.tokenizer().encode(rendered);
        assertThat(ids).containsExactly(Fixtures.longs(independent.get("ids")));
        assertThat(LongStream.of(ids).filter(id -> id == llm.imageToken().id()).count()).isEqualTo(49);
        assertThat(llm.imageToken()).isEqualTo(new LanguageModel.ImageToken("<|image_pad|>", 151655));
    }

    @Test
    void aTrainingTextIsTheGenerationPromptThenTheCaptionAndEndOfTurn() {
        String system = "You are a helpful medical assistant.", caption = "A red circle above a blue square.";
        Map<String, Object> independent = fixture(1);
        assertThat(independent.get("text")).isEqualTo("<|im_start|>system\n" + system + "<|im_end|>\n<|im_start|>user\n" + INSTRUCTION
                + "\n" + PADS + "<|im_end|>\n<|im_start|>assistant\n" + caption + "<|im_end|>");

        ChatTemplate t = llm.chatTemplate();
        List<ChatMessage> question = List.of(ChatMessage.system(system), ChatMessage.user(t.withImage(INSTRUCTION, 49)));
        long[] prompt = llm.tokenizer().encode(t.render(question, true));
        long[] answer = llm.tokenizer().encode(caption + t.endOfTurn());
        long[] sample = LongStream.concat(LongStream.of(prompt), LongStream.of(answer)).toArray();
        assertThat(sample).containsExactly(Fixtures.longs(independent.get("ids")));
    }
}
