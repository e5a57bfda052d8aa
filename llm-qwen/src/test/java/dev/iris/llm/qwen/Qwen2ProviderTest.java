package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.text.ChatMl;
import dev.iris.testkit.LanguageModelFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code type: qwen2} from a config section: the folder checks and the {@code chat_template} option. */
class Qwen2ProviderTest {
    @TempDir
    static Path tmp;
    static Path tiny;

    @BeforeAll
    static void writeTiny() {
        tiny = Fixtures.write(Qwen2Presets.files("tiny"), tmp.resolve("tiny"));
    }

    private static LanguageModel create(Path folder, String template) {
        return create(folder, template == null ? Map.of() : Map.of("chat_template", template));
    }

    /** The language model {@code type: qwen2} makes from {@code folder} with the options given. */
    static LanguageModel create(Path folder, Map<String, Object> options) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("type", "qwen2");
        v.put("path", folder.toString());
        v.putAll(options);
        return LanguageModelFixtures.create(new Qwen2Provider(), v);
    }

    @Test
    void theTemplateOptionPicksTheFlavour() {
        assertThat(create(tiny, (String) null).chatTemplate()).isEqualTo(ChatMl.chatMl());
        assertThat(create(tiny, "auto").chatTemplate()).isEqualTo(ChatMl.chatMl());
        assertThat(create(tiny, "qwen25").chatTemplate()).isEqualTo(ChatMl.qwen25());
        assertThat(create(tiny, "qwen3").chatTemplate()).isEqualTo(ChatMl.qwen3());
        assertThat(create(tiny, "qwen3-no-thinking").chatTemplate()).isEqualTo(ChatMl.qwen3().withThinking(false));
        assertThatThrownBy(() -> create(tiny, "llama"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.llm.chat_template: expected auto, llama3, llama3.1, llama3.2, chatml, smollm2, zephyr,"
                        + " qwen2, qwen25, qwen3, qwen3-no-thinking but got \"llama\"");
        assertThat(create(tiny, "smollm2").chatTemplate()).isEqualTo(ChatMl.smolLm2());
        assertThat(create(tiny, "qwen2").chatTemplate()).isEqualTo(ChatMl.qwen2());
        // a known template the Qwen vocabulary cannot write
        assertThatThrownBy(() -> create(tiny, "llama3.2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.chat_template").hasMessageContaining("writes ChatML prompts").hasMessageContaining("\"llama3.2\"");
    }

    @Test
    void imagesFollowTheTutorialUnlessImageBlockAsksForQwen2Vl() {
        assertThat(create(tiny, Map.of()).chatTemplate().imageBlock(2)).isEqualTo("<|image_pad|><|image_pad|>");
        assertThat(create(tiny, Map.of("image_block", "tutorial")).chatTemplate().imageBlock(1)).isEqualTo("<|image_pad|>");
        // the layout applies to whichever template the folder or chat_template picks
        LanguageModel vl = create(tiny, Map.of("image_block", "qwen2-vl", "chat_template", "qwen3"));
        assertThat(vl.chatTemplate()).isEqualTo(ChatMl.qwen3().withImageLayout(ChatMl.ImageLayout.QWEN2_VL));
        assertThat(vl.chatTemplate().imageBlock(1)).isEqualTo("<|vision_start|><|image_pad|><|vision_end|>");
        assertThat(new Qwen2Provider().fields()).extracting(f -> f.name()).contains("image_block");
        assertThatThrownBy(() -> create(tiny, Map.of("image_block", "llava")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.llm.image_block: expected tutorial or qwen2-vl but got \"llava\"");
    }

    @Test
    void theImageTokenIsTheTokenizersImagePad() {
        LanguageModel llm = create(tiny, Map.of());
        assertThat(llm.imageToken().text()).isEqualTo("<|image_pad|>");
        assertThat(llm.imageToken().id()).isEqualTo(llm.tokenizer().tokenId("<|image_pad|>").getAsLong());
    }

    @Test
    void aFolderWithoutTokenizerIsAConfigError() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("no-tokenizer"));
        Files.copy(tiny.resolve("config.json"), f.resolve("config.json"));
        assertThatThrownBy(() -> create(f, (String) null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.llm.path").hasMessageContaining("no tokenizer.json");
        assertThatThrownBy(() -> create(tmp.resolve("missing"), (String) null)).isInstanceOf(ConfigException.class).hasMessageContaining("is not a folder");
    }
}
