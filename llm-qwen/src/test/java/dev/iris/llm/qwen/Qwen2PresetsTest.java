package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.json.Json;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.StreamingDetokenizer;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folders {@code iris init} writes: the tiny model with its learned tokenizer, and Qwen2.5-0.5B's shapes. */
class Qwen2PresetsTest {
    @TempDir
    static Path dir;
    static Map<String, String> tinyFiles;
    static Path tiny;
    static Qwen2LanguageModel tinyModel;
    static HfTokenizer tok;

    @BeforeAll
    static void writeTiny() {
        long t0 = System.nanoTime();
        tinyFiles = new Qwen2Provider().presetFiles("tiny");
        long t1 = System.nanoTime();
        tiny = Fixtures.write(tinyFiles, dir.resolve("tiny"));
        tinyModel = Qwen2LanguageModel.open(tiny);
        tok = tinyModel.tokenizer();
        System.out.printf("Qwen2PresetsTest: tiny preset files made in %d ms, its tokenizer (%d ids) loaded in %d ms%n",
                (t1 - t0) / 1_000_000, tok.size(), (System.nanoTime() - t1) / 1_000_000);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void theProviderOffersBothPresetsAndIsFoundByServiceLoader() {
        LanguageModelProvider p = ServiceLoader.load(LanguageModelProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(x -> x.type().equals("qwen2")).findFirst().orElseThrow();
        assertThat(p.presets()).containsExactly("tiny", "qwen2.5-0.5b");
        assertThatThrownBy(() -> p.presetFiles("huge")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiny");
    }

    @Test
    void tinyHasTheFilesOfAHuggingFaceFolderAndIsDeterministic() {
        assertThat(tinyFiles).containsOnlyKeys("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json");
        assertThat(new Qwen2Provider().presetFiles("tiny")).isEqualTo(tinyFiles);
        Map<?, ?> config = (Map<?, ?>) Json.parse(tinyFiles.get("config.json"), "config.json");
        assertThat(config.get("model_type")).isEqualTo("qwen2");
        assertThat(config.get("architectures")).isEqualTo(List.of("Qwen2ForCausalLM"));
        assertThat(config.get("torch_dtype")).isEqualTo("float32");
    }

    @Test
    void tinyConfigOpensWithQwen2Config() {
        Qwen2Config c = Qwen2Config.read(tiny.resolve("config.json"));
        assertThat(c.hiddenSize()).isEqualTo(64);
        assertThat(c.layers()).isEqualTo(2);
        assertThat(c.heads()).isEqualTo(4);
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.intermediateSize()).isEqualTo(128);
        assertThat(c.tiedEmbeddings()).isTrue();
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.maxPositions()).isEqualTo(512);
        assertThat(c.vocabSize() % 64).isZero();
        assertThat(c.vocabSize()).isBetween(tok.size(), tok.size() + 63);
        assertThat(tok.size()).isBetween(300, 1024);   // a few hundred ids
    }

    @Test
    void tinySpecialTokensAreSingleIdsInsideTheVocabulary() {
        int vocab = tinyModel.vocabSize();
        for (String special : Qwen2Presets.TINY_SPECIALS) {
            assertThat(tok.tokenId(special)).as(special).isPresent();
            assertThat(tok.encode(special)).as(special).containsExactly(tok.tokenId(special).getAsLong());
            assertThat(tok.tokenId(special).getAsLong()).isLessThan(vocab);
        }
        ChatMl chat = tinyModel.chatTemplate();
        String prompt = chat.render(List.of(ChatMessage.user(chat.withImage("Describe the image concisely.", 49))), true);
        long[] ids = tok.encode(prompt);
        long pad = tok.tokenId("<|image_pad|>").getAsLong();
        assertThat(java.util.stream.LongStream.of(ids).filter(id -> id == pad).count()).isEqualTo(49);
        assertThat(java.util.stream.LongStream.of(ids)).allMatch(id -> id >= 0 && id < vocab);
        assertThat(tok.decode(ids, false)).isEqualTo(prompt);
        assertThat(tok.decode(ids, true)).isEqualTo("user\nDescribe the image concisely.\n\nassistant\n");
    }

    @Test
    void tinyMergesShortenItsOwnEnglish() {
        String s = "Describe the image concisely. A red circle is in the top left corner.";
        assertThat(tok.encode(s).length).isLessThan(s.length() / 2);
    }

    @Test
    void tinyRoundTripsAnyText() {
        List<String> texts = List.of("", " ", "hello world", "  two  spaces\tand\r\nlines\n\n", "naïve café, e\u0301 (decomposed)",
                "你好，世界！", "😀👍🏽🇯🇵🧑‍🚀", "\u0000\u0001\u007f\u00ad\u2028", "<|im_start|", "Ω≈ç√ ＡＢＣ 123456 3.14159 don't I'LL");
        for (String t : texts) {
            long[] ids = tok.encode(t);
            assertThat(java.util.stream.LongStream.of(ids)).as(t).allMatch(id -> id < tok.size());
            assertThat(tok.decode(ids, false)).as(t).isEqualTo(t);
        }
        Random r = new Random(42);
        for (int n = 0; n < 300; n++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(40);
            while (sb.length() < len) {
                int cp = switch (r.nextInt(4)) {
                    case 0 -> 32 + r.nextInt(95);
                    case 1 -> r.nextInt(0x800);
                    case 2 -> 0x3000 + r.nextInt(0x6000);
                    default -> 0x1F300 + r.nextInt(0x300);
                };
                sb.appendCodePoint(cp);
            }
            String t = sb.toString();
            assertThat(tok.decode(tok.encode(t), false)).as("random text %d", n).isEqualTo(t);
            // and streamed one id at a time
            StreamingDetokenizer stream = new StreamingDetokenizer(tok);
            StringBuilder out = new StringBuilder();
            for (long id : tok.encode(t)) out.append(stream.push(id));
            assertThat(out.append(stream.flush()).toString()).isEqualTo(t);
        }
    }

    @Test
    void tinyUsesPlainChatMlAndStopsAtImEnd() {
        assertThat(tinyModel.chatTemplate()).isEqualTo(ChatMl.chatMl());
        assertThat(tinyModel.stopTokenIds()).containsExactlyInAnyOrder(tok.tokenId("<|im_end|>").getAsLong(), tok.tokenId("<|endoftext|>").getAsLong());
        Map<?, ?> tc = (Map<?, ?>) Json.parse(tinyFiles.get("tokenizer_config.json"), "tokenizer_config.json");
        assertThat(tc.get("chat_template")).isEqualTo(Qwen2Presets.CHATML_TEMPLATE);
        assertThat(tc.get("eos_token")).isEqualTo("<|im_end|>");
        assertThat(((Map<?, ?>) tc.get("added_tokens_decoder"))).hasSize(Qwen2Presets.TINY_SPECIALS.size());
    }

    @Test
    void qwen25HasTheRealShapesAndTokenizer() throws Exception {
        Map<String, String> files = new Qwen2Provider().presetFiles("qwen2.5-0.5b");
        assertThat(files).containsOnlyKeys("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json");
        Path folder = Fixtures.write(files, dir.resolve("qwen2.5-0.5b"));
        Qwen2Config c = Qwen2Config.read(folder.resolve("config.json"));
        assertThat(c).isEqualTo(new Qwen2Config(896, 24, 14, 2, 4864, 151936, 1000000.0, 1e-6, true, 32768));
        assertThat(c.headDim()).isEqualTo(64);

        Path reference = Fixtures.qwenTokenizerJson(Files.createDirectories(dir.resolve("reference")));
        assertThat(files.get("tokenizer.json")).isEqualTo(Files.readString(reference));

        Map<?, ?> gen = (Map<?, ?>) Json.parse(files.get("generation_config.json"), "generation_config.json");
        assertThat(gen.get("eos_token_id")).isEqualTo(List.of(151645L, 151643L));
        Map<?, ?> tc = (Map<?, ?>) Json.parse(files.get("tokenizer_config.json"), "tokenizer_config.json");
        assertThat(tc.get("chat_template")).isEqualTo(Qwen2Presets.CHATML_TEMPLATE);
        assertThat(Fixtures.map(tc.get("added_tokens_decoder"))).hasSize(26).containsKey("151655");
        assertThat(Fixtures.list(tc.get("additional_special_tokens"))).contains("<|im_start|>", "<|image_pad|>").doesNotContain("<think>");

        // no tokenizer is loaded here (QwenTokenizerTest does): the model opens, the template is plain ChatML
        Qwen2LanguageModel model = Qwen2LanguageModel.open(folder);
        assertThat(model.chatTemplate()).isEqualTo(ChatMl.chatMl());
        assertThat(model.vocabSize()).isEqualTo(151936);
    }
}
