package dev.iris.plugins.train;

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
        GenerateConfig greedy = new GenerateConfig(Optional.empty(), 10, 0, 0, 1, 1, 0);
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
        }
    }
}
