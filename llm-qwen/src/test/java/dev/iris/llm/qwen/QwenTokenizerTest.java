package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.StreamingDetokenizer;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Qwen tokenizer through DJL, against ids from an independent implementation. */
class QwenTokenizerTest {
    static final long IM_START = 151644, IM_END = 151645, VISION_START = 151652, VISION_END = 151653, IMAGE_PAD = 151655;

    @TempDir
    static Path dir;
    static Path file;
    static HfTokenizer tok;

    @BeforeAll
    static void load() {
        file = Fixtures.qwenTokenizerJson(dir);
        long t0 = System.nanoTime();
        tok = HfTokenizer.load(dir);
        System.out.printf("QwenTokenizerTest: real Qwen tokenizer loaded in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void theShippedFileIsTheFixture() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        assertThat(HexFormat.of().formatHex(sha)).isEqualTo(Fixtures.QWEN_TOKENIZER_SHA256);
    }

    @Test
    void everyCaseEncodesToTheIdsOfTheIndependentImplementation() {
        List<Object> cases = Fixtures.list(Fixtures.json("tokenizer_cases.json").get("cases"));
        assertThat(cases).hasSize(10);
        for (Object o : cases) {
            Map<String, Object> c = Fixtures.map(o);
            String text = (String) c.get("text");
            assertThat(tok.encode(text)).as(text).containsExactly(Fixtures.longs(c.get("ids")));
        }
    }

    @Test
    void decodeRoundTripsUpToNfc() {
        // Qwen's normalizer is NFC, so a decomposed é comes back composed
        for (Object o : Fixtures.list(Fixtures.json("tokenizer_cases.json").get("cases"))) {
            String text = (String) Fixtures.map(o).get("text");
            assertThat(tok.decode(tok.encode(text), false)).isEqualTo(Normalizer.normalize(text, Normalizer.Form.NFC));
        }
        assertThat(tok.decode(tok.encode("e\u0301"), false)).isEqualTo("\u00e9");
    }

    @Test
    void specialTokensAreSingleIds() {
        assertThat(tok.encode("<|image_pad|>")).containsExactly(IMAGE_PAD);
        assertThat(tok.tokenId("<|image_pad|>")).hasValue(IMAGE_PAD);
        assertThat(tok.tokenId("<|im_start|>")).hasValue(IM_START);
        assertThat(tok.tokenId("<|im_end|>")).hasValue(IM_END);
        assertThat(tok.tokenId("<|vision_start|>")).hasValue(VISION_START);
        assertThat(tok.tokenId("<|vision_end|>")).hasValue(VISION_END);
        assertThat(tok.tokenId("<|endoftext|>")).hasValue(151643);
        assertThat(tok.tokenId("<think>")).hasValue(151667);
        // an ordinary token by its text, and texts that are not one token
        assertThat(tok.tokenId(" the")).hasValue(279);
        assertThat(tok.tokenId("<|image")).isEmpty();
        assertThat(tok.tokenId("Describe the image")).isEmpty();
        assertThat(tok.tokenId("")).isEmpty();
        assertThat(tok.size()).isEqualTo(151669);
        assertThat(tok.addedTokens()).hasSize(26);
    }

    @Test
    void aChatPromptWithAnImageBlockEncodesToOneRunOfImagePads() {
        ChatMl chat = ChatMl.qwen3().withImageLayout(ChatMl.ImageLayout.QWEN2_VL);
        String prompt = chat.render(List.of(ChatMessage.system("You are a helpful assistant."),
                ChatMessage.user(chat.withImage("Describe the image.", 49))), true);
        long[] ids = tok.encode(prompt);

        int first = indexOf(ids, IMAGE_PAD), last = lastIndexOf(ids, IMAGE_PAD);
        assertThat(last - first + 1).isEqualTo(49);
        assertThat(LongStream.of(ids).filter(id -> id == IMAGE_PAD).count()).isEqualTo(49);
        assertThat(Arrays.copyOfRange(ids, first, last + 1)).containsOnly(IMAGE_PAD);
        assertThat(ids[first - 1]).isEqualTo(VISION_START);
        assertThat(ids[last + 1]).isEqualTo(VISION_END);
        assertThat(LongStream.of(ids).filter(id -> id == IM_START).count()).isEqualTo(3);
        assertThat(LongStream.of(ids).filter(id -> id == IM_END).count()).isEqualTo(2);
        assertThat(ids[0]).isEqualTo(IM_START);
        // "<|im_start|>assistant\n" closes the prompt: im_start, "assistant", "\n"
        assertThat(Arrays.copyOfRange(ids, ids.length - 3, ids.length)).containsExactly(IM_START, 77091, 198);

        assertThat(tok.decode(ids, false)).isEqualTo(prompt);
        assertThat(tok.decode(ids, true)).isEqualTo("system\nYou are a helpful assistant.\nuser\nDescribe the image.\n\nassistant\n");
    }

    @Test
    void longTextsAreNotTruncated() {
        StringBuilder sb = new StringBuilder();
        String[] words = {"red", "circle", "above", "the", "blue", "square", "near", "a", "corner", "picture"};
        for (int i = 0; i < 2000; i++) sb.append(words[i % words.length]).append(i % 7 == 6 ? ".\n" : " ");
        String text = sb.toString();
        long[] ids = tok.encode(text);
        assertThat(ids.length).isGreaterThan(1900);   // DJL's default would stop at 512
        assertThat(tok.decode(ids, false)).isEqualTo(text);
    }

    @Test
    void streamingDetokenizerNeverEmitsHalfACharacter() {
        String text = "你好，世界！我喜欢用Java写程序。😀👍🏽 naïve café — 東京タワー 🇯🇵🧑‍🚀 Ω≈ç√ 終わり";
        long[] ids = tok.encode(text);
        // the test means something only if some ids end inside a character
        assertThat(LongStream.of(ids).mapToObj(id -> tok.decode(new long[] {id}, true))).anyMatch(s -> s.contains("\uFFFD"));

        StreamingDetokenizer stream = new StreamingDetokenizer(tok);
        StringBuilder out = new StringBuilder();
        int waits = 0;
        for (long id : ids) {
            String piece = stream.push(id);
            assertThat(piece).doesNotContain("\uFFFD");
            if (piece.isEmpty()) waits++;
            out.append(piece);
        }
        out.append(stream.flush());
        assertThat(out.toString()).isEqualTo(text);
        assertThat(waits).isPositive();
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> HfTokenizer.load(empty))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(empty.resolve("tokenizer.json").toString())
                .hasMessageContaining("not found");
        Path missing = dir.resolve("nowhere.json");
        assertThatThrownBy(() -> HfTokenizer.load(missing))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void aCorruptFileIsNamed() throws Exception {
        Path cut = dir.resolve("cut");
        Files.createDirectories(cut);
        byte[] all = Files.readAllBytes(file);
        Files.write(cut.resolve("tokenizer.json"), Arrays.copyOf(all, 5000));
        assertThatThrownBy(() -> HfTokenizer.load(cut))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(cut.resolve("tokenizer.json").toString());

        Path odd = dir.resolve("odd.json");
        Files.writeString(odd, "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTokenizer.load(odd))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(odd.toString())
                .hasMessageContaining("cannot load");

        Path notTokenizer = dir.resolve("config.json");
        Files.writeString(notTokenizer, "{\"hidden_size\": 8}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTokenizer.load(notTokenizer))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining(notTokenizer.toString())
                .hasMessageContaining("no \"model\"");
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }

    private static int lastIndexOf(long[] a, long v) {
        for (int i = a.length - 1; i >= 0; i--) if (a[i] == v) return i;
        return -1;
    }
}
