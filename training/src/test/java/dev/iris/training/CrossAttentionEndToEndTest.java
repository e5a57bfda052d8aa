package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.safetensors.Safetensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Architecture B trains and generates through the same host code as A. */
class CrossAttentionEndToEndTest {

    @Test
    void trainsGeneratesAndLeavesTextOnlyPromptsToTheBaseModel(@TempDir Path dir) {
        PluginRegistry registry = PluginRegistry.discover();
        TrainerTest.setUpIn(dir);
        IrisConfig cfg = TrainerTest.configIn(dir, "runs/b", "model.fusion={type: crossattn, every: 1, intermediate: 64}", "train.steps=3");
        Trainer.Result r = Trainer.train(cfg, registry, Optional.empty(), s -> {});
        Path fusion = r.finalCheckpoint().resolve("fusion.safetensors");
        try (WeightSource w = Safetensors.open(fusion)) {
            assertThat(w.metadata()).containsEntry("iris.fusion", "crossattn");
            assertThat(w.names()).contains("image_projection.weight", "blocks.0.cross_attn_attn_gate", "blocks.1.mlp.down_proj.weight");
            // three steps of training open the gates a little
            assertThat(w.read("blocks.0.cross_attn_attn_gate").getFloat(0)).isNotZero();
        }
        GenerateConfig greedy = GenerateConfig.defaults().withMaxNewTokens(10);
        IrisConfig trained = cfg.with(List.of("model.fusion.weights=" + fusion));
        IrisConfig base = cfg.with(List.of("model.fusion={type: crossattn, every: 1, intermediate: 64}"));   // untrained: gates at zero
        byte[] image = TrainerTest.firstTrainingImage(dir);
        try (VisionLanguageModel b = VisionLanguageModel.load(trained, registry); VisionLanguageModel b0 = VisionLanguageModel.load(base, registry)) {
            GenerationResult withImage = b.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {});
            GenerationResult recomputed = b.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {}, true);
            assertThat(withImage.generatedIds()).isNotEmpty().containsExactly(recomputed.generatedIds());
            // no image pads in B's prompts
            long pad = b.parts().llm().tokenizer().tokenId("<|image_pad|>").orElseThrow();
            assertThat(withImage.promptIds()).doesNotContain(pad);
            GenerationResult textTrained = b.generate(Optional.empty(), "", "Describe a circle.", greedy, s -> {});
            GenerationResult textBase = b0.generate(Optional.empty(), "", "Describe a circle.", greedy, s -> {});
            assertThat(textTrained.generatedIds()).containsExactly(textBase.generatedIds());

            // concurrent generations with images decode as one batch, their images stacked: each as alone
            GenerationResult other = b.generate(Optional.of(image), "img", "What is in the picture?", greedy, s -> {});
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                var barrier = new java.util.concurrent.CyclicBarrier(3);
                var f1 = pool.submit(() -> { barrier.await(); return b.generate(Optional.of(image), "img", "Describe the image.", greedy, s -> {}); });
                var f2 = pool.submit(() -> { barrier.await(); return b.generate(Optional.of(image), "img", "What is in the picture?", greedy, s -> {}); });
                var f3 = pool.submit(() -> { barrier.await(); return b.generate(Optional.empty(), "", "Describe a circle.", greedy, s -> {}); });
                assertThat(f1.get().generatedIds()).containsExactly(withImage.generatedIds());
                assertThat(f2.get().generatedIds()).containsExactly(other.generatedIds());
                assertThat(f3.get().generatedIds()).containsExactly(textTrained.generatedIds());
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
