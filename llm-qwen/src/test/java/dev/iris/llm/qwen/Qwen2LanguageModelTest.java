package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.common.text.JsonText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a model folder: the tokenizer, the chat template flavour and the stop ids. */
class Qwen2LanguageModelTest {
    @TempDir
    static Path tmp;
    static Map<String, String> tiny;
    static HfTokenizer tok;
    static long imEnd, endOfText;

    @BeforeAll
    static void tinyFiles() {
        tiny = Qwen2Presets.files("tiny");
        tok = HfTokenizer.load(Fixtures.write(tiny, tmp.resolve("tok")));
        imEnd = tok.tokenId("<|im_end|>").getAsLong();
        endOfText = tok.tokenId("<|endoftext|>").getAsLong();
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** The tiny folder with some files replaced ({@code null} content: left out). */
    private static Path folder(String name, Map<String, String> changes) {
        Map<String, String> files = new LinkedHashMap<>(tiny);
        changes.forEach((k, v) -> {
            if (v == null) files.remove(k);
            else files.put(k, v);
        });
        return Fixtures.write(files, tmp.resolve(name));
    }

    private static Map<String, String> change(String file, String content) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(file, content);
        return m;
    }

    @Test
    void openFailsAtOnceWithoutTokenizerJson() {
        Path f = folder("no-tokenizer", change("tokenizer.json", null));
        assertThatThrownBy(() -> Qwen2LanguageModel.open(f))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(f.resolve("tokenizer.json").toString())
                .hasMessageContaining("not found");
    }

    @Test
    void aCorruptTokenizerFailsOnFirstUseNamingTheFile() {
        Path f = folder("corrupt", change("tokenizer.json", "{\"model\": "));
        Qwen2LanguageModel m = Qwen2LanguageModel.open(f);
        assertThatThrownBy(m::tokenizer).isInstanceOf(IrisException.class).hasMessageContaining(f.resolve("tokenizer.json").toString());
    }

    @Test
    void aTokenizerLargerThanTheEmbeddingIsRefused() {
        Path f = folder("small-vocab", change("config.json", tiny.get("config.json").replaceFirst("\"vocab_size\": \\d+", "\"vocab_size\": 100")));
        Qwen2LanguageModel m = Qwen2LanguageModel.open(f);
        assertThatThrownBy(m::tokenizer).isInstanceOf(IrisException.class).hasMessageContaining("vocab_size is 100");
    }

    @Test
    void tokenizerIsLoadedOnceAndShared() {
        Qwen2LanguageModel m = Qwen2LanguageModel.open(folder("shared", Map.of()));
        assertThat(m.tokenizer()).isSameAs(m.tokenizer());
        assertThat(m.stopTokenIds()).isSameAs(m.stopTokenIds());
    }

    @Test
    void stopIdsComeFromGenerationConfigPlusImEnd() {
        assertThat(stopIds(change("generation_config.json", "{\"eos_token_id\": 7}"))).containsExactly(7L, imEnd);
        assertThat(stopIds(change("generation_config.json", "{\"eos_token_id\": [7, 9]}"))).containsExactly(7L, 9L, imEnd);
        assertThat(stopIds(change("generation_config.json", "{\"eos_token_id\": [" + imEnd + "]}"))).containsExactly(imEnd);
        // no generation config, or none with an eos: the end of turn and the end of text
        assertThat(stopIds(change("generation_config.json", null))).containsExactly(imEnd, endOfText);
        assertThat(stopIds(change("generation_config.json", "{\"do_sample\": false}"))).containsExactly(imEnd, endOfText);
        assertThatThrownBy(() -> stopIds(change("generation_config.json", "{\"eos_token_id\": \"</s>\"}")))
                .isInstanceOf(IrisException.class).hasMessageContaining("generation_config.json").hasMessageContaining("eos_token_id");
        assertThatThrownBy(() -> stopIds(change("generation_config.json", "{\"eos_token_id\": [1, 2.5]}")))
                .isInstanceOf(IrisException.class).hasMessageContaining("eos_token_id");
    }

    private static java.util.Set<Long> stopIds(Map<String, String> changes) {
        return Qwen2LanguageModel.open(folder("stop-" + Integer.toHexString(changes.hashCode()), changes)).stopTokenIds();
    }

    @Test
    void theTemplateFlavourComesFromTheFolder() throws IOException {
        String qwen3Config = Fixtures.text("tokenizer_config.json");
        assertThat(Qwen2LanguageModel.open(folder("t-qwen3", change("tokenizer_config.json", qwen3Config))).chatTemplate()).isEqualTo(ChatMl.qwen3());

        String qwen25 = (String) Fixtures.map(Fixtures.json("chat_golden.json").get("templates")).get("qwen25");
        String qwen25Config = JsonText.write(Map.of("chat_template", qwen25));
        assertThat(Qwen2LanguageModel.open(folder("t-qwen25", change("tokenizer_config.json", qwen25Config))).chatTemplate()).isEqualTo(ChatMl.qwen25());

        assertThat(Qwen2LanguageModel.open(folder("t-none", change("tokenizer_config.json", null))).chatTemplate()).isEqualTo(ChatMl.chatMl());

        // newer checkpoints keep the template in chat_template.jinja
        Path jinja = folder("t-jinja", change("tokenizer_config.json", "{}"));
        Files.writeString(jinja.resolve("chat_template.jinja"), qwen25, StandardCharsets.UTF_8);
        assertThat(Qwen2LanguageModel.open(jinja).chatTemplate()).isEqualTo(ChatMl.qwen25());

        // a list of named templates: "default" is the chat template
        String named = "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}, {\"name\": \"default\", \"template\": "
                + "\"{{ '<|im_start|>' + m.content + '</think>' }}\"}]}";
        assertThat(Qwen2LanguageModel.open(folder("t-named", change("tokenizer_config.json", named))).chatTemplate()).isEqualTo(ChatMl.qwen3());

        // a template Iris does not render is an error naming the setting, not a silent guess
        Path unknown = folder("t-unknown", change("tokenizer_config.json", JsonText.write(Map.of("chat_template", "[INST] {{ x }} [/INST]"))));
        assertThatThrownBy(() -> Qwen2LanguageModel.open(unknown)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.chat_template").hasMessageContaining("[INST]");
        // a Llama 3 template in a Qwen2 folder: Qwen2 writes ChatML only
        String llama = "{{ '<|start_header_id|>' + m + '<|end_header_id|>' + '<|eot_id|>' }}";
        Path wrong = folder("t-llama", change("tokenizer_config.json", JsonText.write(Map.of("chat_template", llama))));
        assertThatThrownBy(() -> Qwen2LanguageModel.open(wrong)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.chat_template").hasMessageContaining("Llama3Chat");

        // and the caller can override it
        Path f = folder("t-override", change("tokenizer_config.json", qwen25Config));
        assertThat(Qwen2LanguageModel.open(f, ChatMl.chatMl()).chatTemplate()).isEqualTo(ChatMl.chatMl());
    }
}
