package dev.iris.vlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train() and evaluate() through the library, on the tiny preset and a few synthetic shapes. */
class IrisTrainingTest {
    @TempDir
    Path dir;

    private Path configWithTraining() throws Exception {
        Path config = Iris.init("tiny", dir.resolve("tiny"));
        Files.writeString(config, Files.readString(config) + """
                train:
                  dataset: { type: shapes, path: shapes, split: train, train_count: 8, heldout_count: 4, image_size: 32 }
                  eval_dataset: { type: shapes, path: shapes, split: heldout, train_count: 8, heldout_count: 4, image_size: 32 }
                  stage: pretrain
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  batch_size: 2
                  grad_accum: 1
                  steps: 3
                  save_every: 0
                  seed: 1
                  output: runs/lib
                """);
        return config;
    }

    @Test
    void trainingWritesARunAndTheModelThenAnswersWithItsWeights() throws Exception {
        Path config = configWithTraining();
        Options opts = Options.builder().maxNewTokens(5).build();
        Image image = shape();
        try (IrisModel model = Iris.load(config)) {
            List<TrainStep> steps = new ArrayList<>();
            TrainResult r = model.train(steps::add);
            assertThat(r.steps()).isEqualTo(3);
            assertThat(steps).extracting(TrainStep::step).containsExactly(1L, 2L, 3L);
            assertThat(steps).allSatisfy(s -> assertThat(s.loss()).isFinite().isPositive());
            assertThat(r.runDir()).isEqualTo(dir.resolve("tiny/runs/lib"));
            assertThat(r.checkpoint().resolve("fusion.safetensors")).exists();
            assertThat(r.skippedCount()).isZero();

            // the model now answers as one loaded with the checkpoint's fusion weights does
            Answer trained = model.generate("Describe the image.", image, opts);
            try (IrisModel reloaded = Iris.builder().config(config).set("model.fusion.weights", r.checkpoint().resolve("fusion.safetensors")).load()) {
                assertThat(reloaded.generate("Describe the image.", image, opts)).isEqualTo(trained);
            }

            Evaluation e = model.evaluate(r.checkpoint(), 2);
            assertThat(e.examples()).isEqualTo(2);
            assertThat(e.heldOutLoss()).isFinite().isPositive();
            assertThat(e.perplexity()).isCloseTo(Math.exp(e.heldOutLoss()), org.assertj.core.data.Offset.offset(1e-6 * e.perplexity()));
            assertThat(e.checkpoint()).isEqualTo(r.checkpoint());
            assertThat(e.skippedRows()).isEmpty();
        }
    }

    @Test
    void trainingWithoutATrainSectionSaysSo() {
        Path config = Iris.init("tiny", dir.resolve("tiny"));
        try (IrisModel model = Iris.load(config)) {
            assertThatThrownBy(model::train).isInstanceOf(IrisException.class).hasMessageContaining("no train section");
            assertThatThrownBy(() -> model.evaluate(dir, 1)).isInstanceOf(IrisException.class).hasMessageContaining("no train section");
            assertThatThrownBy(() -> model.evaluate(dir, -1)).hasMessageContaining("limit must be >= 0");
        }
    }

    @Test
    void aMissingTrainingArtifactIsNamed() {
        assertThatThrownBy(() -> TrainingBridge.require(Map.of("dev.iris.training.NoSuchClass", "iris-training"), getClass().getClassLoader()))
                .isInstanceOf(IrisException.class).hasMessageContaining("iris-training").hasMessageContaining("iris-vlm-training");
        TrainingBridge.require();   // here both are on the test class path
    }

    /** A small picture of a shape, as PNG bytes. */
    private static Image shape() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.BLUE);
        g.fillRect(8, 8, 16, 16);
        g.dispose();
        return Image.of(img);
    }
}
