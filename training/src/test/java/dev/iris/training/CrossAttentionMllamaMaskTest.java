package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.ImageRows;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.safetensors.Safetensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Architecture B with {@code image_mask: mllama} end to end on the tiny presets: samples record
 * the image's place, batches carry the rows, training runs, and generation with the KV cache
 * (decode steps reading the rows too) equals recomputing the whole sequence.
 */
class CrossAttentionMllamaMaskTest {
    static final String FUSION = "model.fusion={type: crossattn, every: 1, intermediate: 64, image_mask: mllama}";

    @Test
    void samplesAndBatchesCarryTheImagesPlace(@TempDir Path dir) {
        PluginRegistry registry = PluginRegistry.discover();
        TrainerTest.setUpIn(dir);
        IrisConfig cfg = TrainerTest.configIn(dir, "runs/m", FUSION);
        try (ModelParts parts = ModelParts.create(cfg, registry)) {
            assertThat(parts.fusion().readsImageRows()).isTrue();
            SampleBuilder builder = SampleBuilder.of(parts.llm(), parts.fusion(), true, Optional.empty(), List.of("Describe the image."), 64);
            Sample s = builder.build("row", "a red circle", new byte[] {1}, new Random(0));
            // the image is attached after the instruction: the rows from the end of the user turn on read it
            String prompt = builder.promptText("Describe the image.", true);
            String before = prompt.substring(0, prompt.indexOf("Describe the image.") + "Describe the image.".length());
            long[] beforeIds = parts.llm().tokenizer().encode(before);
            int start = s.imageStarts()[0];
            assertThat(start).isEqualTo(beforeIds.length);
            assertThat(Arrays.copyOf(s.ids(), beforeIds.length)).containsExactly(beforeIds);
            assertThat(parts.llm().tokenizer().decode(new long[] {s.ids()[start]}, false)).isEqualTo("<|im_end|>");
            // the same place as generation finds for the same prompt
            List<ChatMessage> messages = List.of(ChatMessage.user("Describe the image."));
            long[] promptIds = parts.llm().tokenizer().encode(parts.llm().chatTemplate().render(messages, true));
            assertThat(ImageRows.start(parts.llm().chatTemplate(), parts.llm().tokenizer(), messages, 0, promptIds)).isEqualTo(start);

            Sample shorter = new Sample("b", Arrays.copyOf(s.ids(), s.length() - 2), Arrays.copyOf(s.labels(), s.length() - 2), 0, false,
                    List.of(new byte[] {1}), new int[] {start}, 0);
            // a text-only sample in the same batch: its image slot is zeros and none of its positions reads it
            Sample textOnly = new Sample("c", Arrays.copyOf(s.ids(), 3), Arrays.copyOf(s.labels(), 3), 0, false, List.of(), new int[0], 0);
            int p = 4, d = 8;
            Tensor f = Tensor.zeros(DType.F32, p, d);
            Batch b = Batch.of(List.of(s, shorter, textOnly), new ImageFeatures(List.of(List.of(f), List.of(f), List.of()), p, d), 0, -1);
            float[] rows = b.feeds().get(ImageRows.INPUT).toFloats();
            int t = s.length();
            assertThat(b.feeds().get(ImageRows.INPUT).shape()).containsExactly(3, t, p);
            assertThat(b.feeds().get(TrainingGraph.FEATURES).shape()).containsExactly(3, p, d);
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < p; k++) {
                    assertThat(rows[q * p + k]).as("sequence 0, position %d", q).isEqualTo(q >= start ? 1f : 0f);
                    assertThat(rows[(t + q) * p + k]).as("sequence 1 (padded), position %d", q).isEqualTo(q >= start && q < t - 2 ? 1f : 0f);
                    assertThat(rows[(2 * t + q) * p + k]).as("sequence 2 (text only), position %d", q).isZero();
                }
            }
            // a fusion that does not read rows gets none
            Sample plain = new Sample("c", s.ids(), s.labels(), 0, false, new byte[] {1});
            assertThat(Batch.of(List.of(plain), ImageFeatures.oneEach(List.of(f)), 0, -1).feeds()).doesNotContainKey(ImageRows.INPUT);
        }
    }

    @Test
    void trainsAndGeneratesWithTheCacheAsWhenRecomputing(@TempDir Path dir) {
        PluginRegistry registry = PluginRegistry.discover();
        TrainerTest.setUpIn(dir);
        IrisConfig cfg = TrainerTest.configIn(dir, "runs/m", FUSION, "train.steps=3");
        Trainer.Result r = Trainer.train(cfg, registry, Optional.empty(), s -> {});
        Path fusion = r.finalCheckpoint().resolve("fusion.safetensors");
        try (WeightSource w = Safetensors.open(fusion)) {
            assertThat(w.read("blocks.0.cross_attn_attn_gate").getFloat(0)).isNotZero();
        }
        GenerateConfig greedy = GenerateConfig.defaults().withMaxNewTokens(10);
        IrisConfig trained = cfg.with(List.of("model.fusion.weights=" + fusion));
        IrisConfig unmasked = trained.with(List.of("model.fusion.image_mask=all"));
        byte[] image = TrainerTest.firstTrainingImage(dir);
        try (VisionLanguageModel m = VisionLanguageModel.load(trained, registry); VisionLanguageModel a = VisionLanguageModel.load(unmasked, registry)) {
            GenerationResult cached = m.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {});
            GenerationResult recomputed = m.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {}, true);
            assertThat(cached.generatedIds()).isNotEmpty().containsExactly(recomputed.generatedIds());
            GenerationResult all = a.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {});
            assertThat(all.promptIds()).containsExactly(cached.promptIds());   // the mask changes no token of the prompt
            // text-only prompts skip the blocks whatever the mask
            GenerationResult text = m.generate(Optional.empty(), "", "Describe a circle.", greedy, s -> {});
            GenerationResult textAll = a.generate(Optional.empty(), "", "Describe a circle.", greedy, s -> {});
            assertThat(text.generatedIds()).containsExactly(textAll.generatedIds());
        }
    }
}
