package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.text.TextTokenizer;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.llm.qwen.Qwen2Provider;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train.lm_context: caption_words}: the text stage's prompt carries the caption's words, shuffled. */
class LmContextTest {
    static TextTokenizer qwen;

    @BeforeAll
    static void loadTokenizer() {
        String json = new Qwen2Provider().presetFiles("qwen2.5-0.5b").get("tokenizer.json");
        qwen = HfTokenizer.fromJson(json, Path.of("qwen2.5-0.5b/tokenizer.json"));
    }

    private static SampleBuilder textOnly() {
        return new SampleBuilder(ChatMl.chatMl(), qwen, SampleBuilder.ImagePositions.NONE, Optional.empty(),
                List.of("Describe the image."), 512);
    }

    @Test
    void theWordsAreTheCaptionsLowerCasedWithoutPunctuationInADrawnOrder() {
        String caption = "A red circle, in the top-left corner.";
        Set<String> orders = new HashSet<>();
        for (int seed = 0; seed < 20; seed++) {
            String words = SampleBuilder.shuffledWords(caption, new Random(seed));
            List<String> sorted = Arrays.stream(words.split(" ")).sorted().toList();
            assertThat(sorted).containsExactly("a", "circle", "corner", "in", "red", "the", "top-left");
            orders.add(words);
        }
        assertThat(orders).hasSizeGreaterThan(10);
    }

    @Test
    void aTextOnlySampleReadsTheWordsAndLearnsTheSameLabels() {
        String caption = "A red circle in the top left.";
        Sample plain = textOnly().build("r", caption, null, new Random(5));
        Sample read = textOnly().withCaptionWords().build("r", caption, null, new Random(5));
        String prompt = qwen.decode(Arrays.copyOf(read.ids(), read.ids().length - read.labelled()), false);
        // the words stand where the image would be: after the instruction and a newline
        String user = prompt.substring(prompt.indexOf("Describe the image.\n") + "Describe the image.\n".length(), prompt.indexOf("<|im_end|>"));
        assertThat(Arrays.stream(user.split(" ")).sorted().toList()).containsExactly("a", "circle", "in", "left", "red", "the", "top");
        // what is learned does not change: the caption and its end of turn, nothing of the prompt
        long[] plainAnswer = Arrays.copyOfRange(plain.labels(), plain.labels().length - plain.labelled(), plain.labels().length);
        long[] readAnswer = Arrays.copyOfRange(read.labels(), read.labels().length - read.labelled(), read.labels().length);
        assertThat(readAnswer).containsExactly(plainAnswer);
        assertThat(Arrays.stream(read.labels()).filter(l -> l != Sample.IGNORE).count()).isEqualTo(plain.labelled());
        assertThat(read.ids().length).isGreaterThan(plain.ids().length);
    }

    @Test
    void aSampleWithAnImageIsUnchanged() {
        SampleBuilder.ImagePositions pads = new SampleBuilder.ImagePositions(2, new dev.iris.api.spi.LanguageModel.ImageToken("<|image_pad|>", 151655));
        SampleBuilder b = new SampleBuilder(ChatMl.chatMl(), qwen, pads, Optional.empty(), List.of("Describe the image."), 512);
        Sample plain = b.build("r", "A red circle.", new byte[] {1}, new Random(1));
        Sample with = b.withCaptionWords().build("r", "A red circle.", new byte[] {1}, new Random(1));
        assertThat(with.ids()).containsExactly(plain.ids());
        assertThat(with.labels()).containsExactly(plain.labels());
    }

    @Test
    void otherStagesRefuseItNamingTheKeyAndTheStage(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.yaml"), """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector }
                train:
                  dataset: { type: parquet, path: train.parquet }
                  stage: pretrain
                  lm_context: caption_words
                  output: run
                """);
        IrisConfig cfg = new ConfigLoader(dir).load(file, List.of());
        assertThat(cfg.train().lmContext()).isEqualTo(TrainConfig.LmContext.CAPTION_WORDS);
        assertThatThrownBy(() -> Trainer.train(cfg, PluginRegistry.discover(), Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("train.lm_context").hasMessageContaining("caption_words").hasMessageContaining("pretrain");
        assertThat(dir.resolve("run")).doesNotExist();   // refused before anything was written
        assertThatThrownBy(() -> new ConfigLoader(dir).load(file, List.of("train.lm_context=captions")).train())
                .hasMessageContaining("lm_context").hasMessageContaining("captions");
    }
}
