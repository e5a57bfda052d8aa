package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.json.Json;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Llama 3 tokenizer the {@code llama-3.2-1b} preset ships, through DJL, against the ids an
 * independent implementation (transformers.js's port, {@code @lenml/tokenizers}) gives the same
 * texts (src/test/resources/llama3-tokenizer), with and without the plugin's added {@code <image>}.
 */
class LlamaTokenizerTest {
    @TempDir
    static Path tmp;
    static Path folder;
    static HfTokenizer plain;

    @BeforeAll
    static void writePreset() {
        folder = LlamaProviderTest.write(LlamaPresets.files(LlamaPresets.LLAMA32_1B), tmp.resolve("llama32"));
        plain = HfTokenizer.load(folder.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        plain.close();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws IOException {
        try (InputStream in = LlamaTokenizerTest.class.getResourceAsStream("/llama3-tokenizer/tokenizer_cases.json")) {
            Map<String, Object> root = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "tokenizer_cases.json");
            return (List<Map<String, Object>>) root.get("cases");
        }
    }

    static long[] ids(Map<String, Object> c) {
        return ((List<?>) c.get("ids")).stream().mapToLong(o -> (Long) o).toArray();
    }

    @Test
    void theShippedFileIsTheOneItsNoticeNames() throws IOException, NoSuchAlgorithmException {
        byte[] bytes = Files.readAllBytes(folder.resolve("tokenizer.json"));
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                .isEqualTo("e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7");
        assertThat(plain.size()).isEqualTo(128256);
    }

    @Test
    void djlGivesTheIdsOfTheIndependentImplementation() throws IOException {
        List<Map<String, Object>> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(10);
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            assertThat(plain.encode(text)).as(text).containsExactly(ids(c));
            assertThat(plain.decode(ids(c), false)).as("decoding %s", text).isEqualTo(text);
        }
    }

    @Test
    void theAddedImageTokenChangesOnlyItself() throws IOException {
        LanguageModel llm = LlamaProviderTest.create(folder, "chatml");
        HfTokenizer withImage = (HfTokenizer) llm.tokenizer();
        for (Map<String, Object> c : cases()) {
            String text = (String) c.get("text");
            if (text.contains(LlamaLanguageModel.IMAGE_TOKEN)) {
                assertThat(ids(c)).hasSizeGreaterThan(1);                       // without it: pieces of "<image>"
                assertThat(withImage.encode(text)).containsExactly(128256);
            } else {
                assertThat(withImage.encode(text)).as(text).containsExactly(ids(c));
            }
        }
        String block = ChatMl.chatMl().withImageToken(LlamaLanguageModel.IMAGE_TOKEN).imageBlock(4);
        assertThat(withImage.encode("Describe.\n" + block)).endsWith(128256, 128256, 128256, 128256);
    }
}
