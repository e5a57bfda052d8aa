package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatMessage;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.common.text.JsonText;
import dev.iris.common.text.Llama3Chat;
import dev.iris.testkit.LanguageModelFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code type: llama} from a config section on the preset folders: the shapes they write, the
 * shipped Llama 3 tokenizer with the added {@code <image>}, the {@code chat_template} option, stop
 * ids and the folder checks.
 */
class LlamaProviderTest {
    @TempDir
    static Path tmp;
    static Path tiny, llama32, smollm2;

    @BeforeAll
    static void writePresets() {
        tiny = write(LlamaPresets.files(LlamaPresets.TINY), tmp.resolve("tiny"));
        llama32 = write(LlamaPresets.files(LlamaPresets.LLAMA32_1B), tmp.resolve("llama32"));
        smollm2 = write(LlamaPresets.files(LlamaPresets.SMOLLM2_360M), tmp.resolve("smollm2"));
    }

    static Path write(Map<String, String> files, Path dir) {
        return LanguageModelFixtures.write(files, dir);
    }

    static LanguageModel create(Path folder, String template) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("type", "llama");
        v.put("path", folder.toString());
        if (template != null) v.put("chat_template", template);
        return LanguageModelFixtures.create(new LlamaProvider(), v);
    }

    @Test
    void presetsWriteTheirShapes() {
        LlamaConfig t = LlamaConfig.read(tiny.resolve("config.json"));
        assertThat(t.layers()).isGreaterThanOrEqualTo(2);
        assertThat(t.heads()).isGreaterThan(t.kvHeads());
        assertThat(t.ropeScaling()).isInstanceOf(dev.iris.api.graph.RopeScaling.Llama3.class);
        LlamaConfig s = LlamaConfig.read(smollm2.resolve("config.json"));
        assertThat(s).isEqualTo(new LlamaConfig(960, 32, 15, 5, 64, 2560, 49152, 100000.0, dev.iris.api.graph.RopeScaling.NONE, 1e-5,
                true, false, false, 8192));
        assertThat(LlamaPresets.files(LlamaPresets.TINY)).isEqualTo(LlamaPresets.files(LlamaPresets.TINY));
        assertThat(new LlamaProvider().presets()).containsExactly("tiny", "llama-3.2-1b", "smollm2-360m");
    }

    @Test
    void theTinyModelSpeaksChatMlWithAnAddedImageToken() {
        LanguageModel llm = create(tiny, null);
        assertThat(llm.chatTemplate()).isEqualTo(ChatMl.chatMl().withImageToken("<image>"));
        assertThat(llm.chatTemplate().imageBlock(2)).isEqualTo("<image><image>");
        // the learned vocabulary fills the table exactly: the image token takes the next id, outside it
        assertThat(llm.imageToken().id()).isEqualTo(llm.vocabSize());
        String prompt = llm.chatTemplate().render(List.of(ChatMessage.user(llm.chatTemplate().withImage("What is this?", 3))), true);
        long[] ids = llm.tokenizer().encode(prompt);
        assertThat(java.util.Arrays.stream(ids).filter(id -> id == llm.imageToken().id()).count()).isEqualTo(3);
        HfTokenizer tok = (HfTokenizer) llm.tokenizer();
        assertThat(llm.stopTokenIds()).containsExactlyInAnyOrder(tok.tokenId(ChatMl.IM_END).getAsLong(), tok.tokenId("<|endoftext|>").getAsLong());
    }

    @Test
    void smolLm2PadsItsTableAndTheImageTokenLandsInsideIt() {
        LanguageModel llm = create(smollm2, null);
        HfTokenizer tok = (HfTokenizer) llm.tokenizer();
        assertThat(llm.imageToken().id()).isEqualTo(tok.size() - 1).isLessThan(49152);
    }

    @Test
    void theShippedLlama3TokenizerEncodesAsLlamaDoes() {
        LanguageModel llm = create(llama32, "chatml");
        assertThat(llm.vocabSize()).isEqualTo(128256);
        // ids of the Llama 3 vocabulary ("Hello" 9906, " world" 1917, "." 13); nothing added around the text
        assertThat(llm.tokenizer().encode("Hello world.")).containsExactly(9906, 1917, 13);
        assertThat(llm.tokenizer().encode("<|begin_of_text|><|eot_id|>")).containsExactly(128000, 128009);
        assertThat(llm.imageToken()).isEqualTo(new LanguageModel.ImageToken("<image>", 128256));
        assertThat(llm.tokenizer().encode("a<image><image>b")).containsSubsequence(128256L, 128256L).doesNotContain(27L);
        assertThat(llm.tokenizer().decode(new long[] {9906, 1917, 13}, true)).isEqualTo("Hello world.");
        // generation_config's end_of_text and eot_id; ChatML's <|im_end|> is no single token in this vocabulary
        assertThat(llm.stopTokenIds()).containsExactly(128001L, 128009L);
    }

    @Test
    void autoRecognisesTheFoldersTemplate() {
        LanguageModel llm = create(llama32, null);
        assertThat(llm.chatTemplate()).isEqualTo(Llama3Chat.llama3().withImageToken("<image>"));
        // as Python jinja2 renders the shipped tokenizer_config.json's template (bos_token <|begin_of_text|>)
        assertThat(llm.chatTemplate().render(List.of(ChatMessage.user("Hi")), true))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(llm.chatTemplate().imageBlock(2)).isEqualTo("<image><image>");
        // Llama 3's end of turn is generation_config's eot_id already
        assertThat(llm.stopTokenIds()).containsExactly(128001L, 128009L);
        assertThat(create(llama32, "llama3.2").chatTemplate()).isEqualTo(Llama3Chat.llama32().withImageToken("<image>"));
    }

    @Test
    void anUnknownTemplateOrNameIsRefusedNamingTheChoices() throws IOException {
        assertThatThrownBy(() -> create(tiny, "vicuna")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.llm.chat_template: expected auto, llama3, llama3.1, llama3.2, chatml, smollm2, zephyr")
                .hasMessageContaining("but got \"vicuna\"");
        Path other = write(Map.of("config.json", Files.readString(tiny.resolve("config.json")),
                "tokenizer.json", Files.readString(tiny.resolve("tokenizer.json")),
                "tokenizer_config.json", JsonText.write(Map.of("chat_template", "{% for m in messages %}### {{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"))),
                tmp.resolve("other-template"));
        assertThatThrownBy(() -> create(other, null)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.llm.chat_template: the chat template of " + other)
                .hasMessageContaining("llama3.2, chatml, smollm2, zephyr");
        assertThat(create(other, "chatml").chatTemplate()).isEqualTo(ChatMl.chatMl().withImageToken("<image>"));
        Path none = write(Map.of("config.json", Files.readString(tiny.resolve("config.json")),
                "tokenizer.json", Files.readString(tiny.resolve("tokenizer.json"))), tmp.resolve("no-template"));
        assertThatThrownBy(() -> create(none, null)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.llm.chat_template: " + none + " has no chat template");
    }

    @Test
    void aQwen2FolderIsRefusedNamingItsModelType() throws IOException {
        Path qwen = write(Map.of("config.json", Files.readString(tiny.resolve("config.json")).replace("\"llama\"", "\"qwen2\""),
                "tokenizer.json", Files.readString(tiny.resolve("tokenizer.json"))), tmp.resolve("qwen"));
        assertThatThrownBy(() -> create(qwen, "chatml")).isInstanceOf(IrisException.class)
                .hasMessageContaining(qwen.resolve("config.json").toString())
                .hasMessageContaining("model_type is \"qwen2\"");
    }

    @Test
    void aTokenizerLargerThanTheTableIsRefused() throws IOException {
        Path small = write(Map.of("config.json", Files.readString(tiny.resolve("config.json")).replaceFirst("\"vocab_size\": \\d+", "\"vocab_size\": 100"),
                "tokenizer.json", Files.readString(tiny.resolve("tokenizer.json"))), tmp.resolve("small"));
        LanguageModel llm = create(small, "chatml");
        assertThatThrownBy(llm::tokenizer).hasMessageContaining("config.json's vocab_size is 100");
    }

    @Test
    void aFolderWithoutTokenizerIsAConfigError() throws IOException {
        Path f = Files.createDirectories(tmp.resolve("no-tokenizer"));
        Files.copy(tiny.resolve("config.json"), f.resolve("config.json"));
        assertThatThrownBy(() -> create(f, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.path").hasMessageContaining("no tokenizer.json");
        assertThatThrownBy(() -> create(tmp.resolve("missing"), null)).isInstanceOf(ConfigException.class).hasMessageContaining("is not a folder");
    }
}
