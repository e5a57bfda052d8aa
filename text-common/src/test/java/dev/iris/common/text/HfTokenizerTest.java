package dev.iris.common.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer.json made here by ByteLevelBpe, read by DJL's Rust tokenizer through HfTokenizer,
 * against a plain byte-level BPE encoder written in this test from the format's definition.
 */
class HfTokenizerTest {
    static final String CORPUS = """
            The cat sat on the mat. The dog sat on the log. A cat and a dog met on the mat,
            and the cat said hello to the dog. Then the dog said hello to the cat again.
            """.repeat(3);
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<image>");

    @TempDir
    static Path dir;
    static ByteLevelBpe.Model model;
    static HfTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        model = ByteLevelBpe.train(CORPUS, 80);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, ByteLevelBpe.tokenizerJson(model, SPECIALS), StandardCharsets.UTF_8);
        tok = HfTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the others take U+0100 onwards in byte order. */
    private static char byteChar(int b) {
        int shift = 0;
        for (int x = 0; x < b; x++) if (!printable(x)) shift++;
        return printable(b) ? (char) b : (char) (256 + shift);
    }

    private static boolean printable(int b) {
        return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    }

    /** Split into pre-tokens, map bytes to characters, then merge the lowest-ranked adjacent pair until none applies. */
    private static long[] plainBpe(String text) {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < model.merges().size(); i++) rank.putIfAbsent(model.merges().get(i)[0] + " " + model.merges().get(i)[1], i);
        Map<String, Integer> id = new HashMap<>();
        for (int i = 0; i < model.vocab().size(); i++) id.put(model.vocab().get(i), i);
        Matcher m = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+").matcher(text);
        List<Long> ids = new ArrayList<>();
        while (m.find()) {
            List<String> parts = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) parts.add(String.valueOf(byteChar(b & 0xff)));
            while (true) {
                int best = -1, bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer r = rank.get(parts.get(i) + " " + parts.get(i + 1));
                    if (r != null && r < bestRank) {
                        best = i;
                        bestRank = r;
                    }
                }
                if (best < 0) break;
                parts.set(best, parts.get(best) + parts.remove(best + 1));
            }
            for (String p : parts) ids.add((long) id.get(p));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void encodingEqualsAPlainByteLevelBpe() {
        assertThat(model.merges()).hasSizeGreaterThan(30);
        for (String text : List.of("The cat sat on the mat.", "the dog's hello,  again\n\nand again", "naïve café 東京 🙂",
                "12345 cats; 6 dogs!!", "   leading and trailing   ", "Unseen words: zebra quokka")) {
            assertThat(tok.encode(text)).as(text).containsExactly(plainBpe(text));
        }
    }

    @Test
    void anyTextDecodesBackExactly() {
        for (String text : List.of("The cat sat on the mat.", "naïve café 東京 🙂\t\r\n", "", " ", "a\u0000b")) {
            assertThat(tok.decode(tok.encode(text), false)).as(text).isEqualTo(text);
        }
    }

    @Test
    void addedTokensAreSingleIdsAfterTheVocabulary() {
        long image = model.vocab().size() + 1;
        assertThat(tok.size()).isEqualTo(model.vocab().size() + 2);
        assertThat(tok.tokenId("<image>")).hasValue(image);
        assertThat(tok.addedTokens()).containsExactly(new HfTokenizer.AddedToken("<|endoftext|>", image - 1, true),
                new HfTokenizer.AddedToken("<image>", image, true));
        long[] ids = tok.encode("cat<image><image>dog");
        assertThat(ids).containsSubsequence(image, image);
        assertThat(java.util.Arrays.stream(ids).filter(i -> i == image).count()).isEqualTo(2);
        assertThat(tok.decode(ids, true)).isEqualTo("catdog");
        assertThat(tok.decode(ids, false)).isEqualTo("cat<image><image>dog");
    }

    @Test
    void tokenIdFindsSingleTokensOnly() {
        assertThat(tok.tokenId("a")).hasValue('a');            // a printable byte is its own id
        assertThat(tok.tokenId("qzxv")).isEmpty();              // four ids, not one
        assertThat(tok.tokenId("")).isEmpty();
    }

    /** DJL would cut at 512 ids and pad batches unless told not to. */
    @Test
    void longTextsAreNeitherTruncatedNorPadded() {
        String text = "zebra quokka 東京 ".repeat(200);
        long[] ids = tok.encode(text);
        assertThat(ids.length).isGreaterThan(2000);
        assertThat(tok.decode(ids, false)).isEqualTo(text);
    }

    @Test
    void badFilesAreNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> HfTokenizer.load(empty)).isInstanceOf(IrisException.class)
                .hasMessageContaining(empty.resolve("tokenizer.json").toString()).hasMessageContaining("not found");
        Path cut = dir.resolve("cut.json");
        Files.writeString(cut, "{\"model\": {\"vocab\": {\"a\": 0", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTokenizer.load(cut)).isInstanceOf(IrisException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("not a valid tokenizer.json");
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"hidden_size\": 8}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTokenizer.load(config)).isInstanceOf(IrisException.class)
                .hasMessageContaining(config.toString()).hasMessageContaining("no \"model\"");
        Path hollow = dir.resolve("hollow.json");
        Files.writeString(hollow, "{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTokenizer.load(hollow)).isInstanceOf(IrisException.class)
                .hasMessageContaining(hollow.toString()).hasMessageContaining("empty vocabulary");
    }

    /** A vocabulary without an image token gets one at the next id; one it has keeps its id. */
    @Test
    void specialTokensCanBeAddedAfterTheVocabulary() {
        long size = tok.size();
        try (HfTokenizer more = tok.withSpecialTokens(List.of("<image>", "<|image_pad|>", "<fake_token>"))) {
            assertThat(more.size()).isEqualTo(size + 2);
            assertThat(more.tokenId("<image>")).isEqualTo(tok.tokenId("<image>"));
            assertThat(more.tokenId("<|image_pad|>")).hasValue(size);
            assertThat(more.tokenId("<fake_token>")).hasValue(size + 1);
            long[] ids = more.encode("a cat<|image_pad|><|image_pad|>");
            assertThat(ids).endsWith(size, size);
            assertThat(more.decode(ids, true)).isEqualTo("a cat");
            // the text before the new tokens encodes as it did
            assertThat(java.util.Arrays.copyOf(ids, ids.length - 2)).containsExactly(tok.encode("a cat"));
        }
        assertThat(tok.tokenId("<|image_pad|>")).isEmpty();
        assertThatThrownBy(() -> tok.withSpecialTokens(List.of(""))).isInstanceOf(IllegalArgumentException.class);
    }
}
