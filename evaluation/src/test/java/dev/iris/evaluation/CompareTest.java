package dev.iris.evaluation;

import dev.iris.training.Checkpoint;
import dev.iris.training.TestRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two architecture-A variants compared on the tiny preset and a few shapes (the real comparison is run, not tested). */
class CompareTest {
    @TempDir
    static Path dir;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static Path configA, configB;
    static Compare.Result first;

    @BeforeAll
    static void setUp() throws Exception {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
        ShapesGenerator.write(dir.resolve("data"), 32, 6, 64, 0);
        configA = dir.resolve("a.yaml");
        Files.writeString(configA, config("", "sequential", "train.parquet", 4));
        // B lives in another folder (its relative paths mean that folder) and asks for other data and fewer steps:
        // compare must train it on A's data for A's steps all the same
        Files.createDirectories(dir.resolve("sub"));
        configB = dir.resolve("sub/b.yaml");
        Files.writeString(configB, config("../", "spatial", "heldout.parquet", 2));
        first = Compare.run(REGISTRY, options("out1", Optional.empty()), new PrintWriter(new StringWriter()), s -> {});
    }

    static String config(String up, String merge, String trainFile, int steps) {
        return """
                model:
                  vision: { type: siglip, path: %1$smodels/vision }
                  llm:    { type: qwen2,  path: %1$smodels/llm }
                  fusion: { type: projector, merge: %2$s, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset:      { type: parquet, path: %1$sdata/%3$s }
                  eval_dataset: { type: shapes, path: %1$sdata, split: heldout, train_count: 32, heldout_count: 6, image_size: 64, seed: 0 }
                  stage: finetune
                  prompts: ["Describe the image."]
                  lr: 3.0e-3
                  warmup_steps: 1
                  batch_size: 8
                  grad_accum: 1
                  steps: %4$d
                  save_every: 0
                  seed: 0
                  output: ignored
                """.formatted(up, merge, trainFile, steps);
    }

    static Compare.Options options(String out, Optional<Path> checkpointA) {
        return new Compare.Options(configA, configB, dir.resolve(out), checkpointA, Optional.empty(), List.of(), 4);
    }

    @Test
    void compareJsonHasEveryFigureForBothSides() throws Exception {
        JsonNode json = new ObjectMapper().readTree(first.json().toFile());
        assertThat(json.get("fusion_a").asText()).isEqualTo("projector");
        // only the fusion's merge differs: B's "../models" from its own folder is A's "models"
        assertThat(json.get("parts_differ").toString()).isEqualTo("[\"fusion\"]");
        assertThat(json.get("part_differences").get("fusion").toString()).isEqualTo("[\"merge: A sequential, B spatial\"]");
        assertThat(json.get("label_a").asText()).isEqualTo("projector merge=sequential");
        assertThat(json.get("config_b").asText()).isEqualTo(configB.toString());
        for (String side : List.of("a", "b")) {
            JsonNode s = json.get(side);
            for (CompareReport.Row r : CompareReport.ROWS) {
                assertThat(s.has(r.key())).as(side + "." + r.key()).isTrue();
                assertThat(s.get(r.key()).isNull()).as(side + "." + r.key()).isFalse();
            }
            assertThat(s.get("train_samples_per_s").asDouble()).as(side).isPositive();
            assertThat(s.get("image_tokens").asInt()).as(side).isEqualTo(16);      // 64 patches merged by 4
            assertThat(s.get("text_only_equals_base").asBoolean()).as(side).isTrue();
            assertThat(s.get("trained_here").asBoolean()).isTrue();
            assertThat(s.get("train_steps").asInt()).as(side).isEqualTo(4);        // B's own 2 steps were overridden
            assertThat(s.get("heldout_examples").asInt()).isEqualTo(4);
            assertThat(s.get("trainable_params").asLong()).as(side).isPositive();
            assertThat(s.get("heldout_loss").asDouble()).isPositive();
            // the shapes dataset declares its accuracy; every dataset gets CIDEr-D
            assertThat(s.get("shapes_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(s.get("cider_d").asDouble()).isGreaterThanOrEqualTo(0.0);
            assertThat(s.get("heldout_skipped").asLong()).isZero();
            assertThat(s.get("decode_ms_per_token").asDouble()).isPositive();
            assertThat(s.get("prefill_ms").asDouble()).isPositive();
            assertThat(s.get("image_encode_ms").asDouble()).isPositive();
            assertThat(s.get("peak_rss_mb").asDouble()).isGreaterThanOrEqualTo(s.get("rss_mb").asDouble()).isPositive();
        }
        // finetune trains the same LLM and a projector of the same shape on both sides
        assertThat(json.get("a").get("trainable_params")).isEqualTo(json.get("b").get("trainable_params"));
        assertThat(json.get("shared").get("train.steps").asInt()).isEqualTo(4);
        assertThat(json.get("shared").get("train.dataset").get("path").asText()).isEqualTo(dir.resolve("data/train.parquet").toString());
        assertThat(json.get("b_overridden").toString()).contains("train.dataset", "train.steps").doesNotContain("eval_dataset");
        // B really trained on A's data: the metrics of its run show A's step budget
        assertThat(Files.readAllLines(dir.resolve("out1/b/metrics.jsonl"))).hasSize(4);
    }

    @Test
    void markdownHasTheTableAndTheLossPictureDecodes() throws Exception {
        String md = Files.readString(first.markdown());
        assertThat(md).contains("| figure | A (projector merge=sequential) | B (projector merge=spatial) |", "|---|---:|---:|",
                "- fusion differs: merge: A sequential, B spatial",
                "| tokens each image adds to the context | 16 | 16 |",
                "| text-only prompts give exactly the base LLM's output | yes | yes |",
                "## What this means", "Both add 16 tokens per image to the context.", "loss-curves.png");
        for (CompareReport.Row r : CompareReport.ROWS) assertThat(md).contains("| " + r.label() + " | ");
        assertThat(md).doesNotContain("n/a");
        // the shapes dataset's accuracy is one row more than every dataset's figures
        assertThat(first.table()).startsWith("| figure |").hasLineCount(CompareReport.ROWS.size() + 3)
                .contains("| held-out fully correct (shapes: colour, shape and position) | ");
        assertThat(ImageIO.read(first.lossCurves().toFile())).isNotNull();
        try (var files = Files.list(first.out())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aGivenCheckpointIsLoadedInsteadOfTrained() throws Exception {
        Path ckpt = dir.resolve("out1/a/final");
        Compare.Result r = Compare.run(REGISTRY, options("out2", Optional.of(ckpt)), new PrintWriter(new StringWriter()), s -> {});
        assertThat(dir.resolve("out2/a")).doesNotExist();
        assertThat(dir.resolve("out2/b/final")).exists();
        assertThat(r.a().trainedHere()).isFalse();
        assertThat(r.b().trainedHere()).isTrue();
        // the loaded side keeps its figures, read from the run it came from
        assertThat(r.a().trainSteps()).contains(4L);
        assertThat(r.a().trainSamplesPerSecond()).hasValueSatisfying(v -> assertThat(v).isPositive());
        assertThat(r.a().lossCurve()).hasSize(4);
        assertThat(r.a().heldOutLoss()).isEqualTo(first.a().heldOutLoss());
        assertThat(r.a().trainableParameters()).isEqualTo(first.a().trainableParameters());
        assertThat(Files.readString(r.markdown())).contains("| trained in this run | no (checkpoint loaded) | yes |", "A was not trained in this run");
    }

    @Test
    void projectorAgainstCrossAttentionEndToEnd() throws Exception {
        // before: only projector against projector was ever run; B here reads the image at every step and adds no tokens
        Path crossB = dir.resolve("sub/crossattn.yaml");
        Files.writeString(crossB, Files.readString(configB).replace("{ type: projector, merge: spatial, factor: 4 }",
                "{ type: crossattn, every: 1, intermediate: 64 }"));
        Compare.Options o = new Compare.Options(configA, crossB, dir.resolve("out-ab"), Optional.of(dir.resolve("out1/a/final")),
                Optional.empty(), List.of(), 2);
        Compare.Result r = Compare.run(REGISTRY, o, new PrintWriter(new StringWriter()), s -> {});

        JsonNode json = new ObjectMapper().readTree(r.json().toFile());
        assertThat(json.get("fusion_a").asText()).isEqualTo("projector");
        // a fusion swap: the fusion is the only part that differs, and each side is named by its fusion
        assertThat(json.get("parts_differ").toString()).isEqualTo("[\"fusion\"]");
        assertThat(json.get("part_differences").get("fusion").get(0).asText()).isEqualTo("type: A projector, B crossattn");
        assertThat(json.get("label_a").asText()).isEqualTo("projector");
        assertThat(json.get("label_b").asText()).isEqualTo("crossattn");
        assertThat(json.get("fusion_b").asText()).isEqualTo("crossattn");
        assertThat(json.get("a").get("image_tokens").asInt()).isEqualTo(16);
        assertThat(json.get("b").get("image_tokens").asInt()).isZero();
        assertThat(json.get("b").get("trained_here").asBoolean()).isTrue();
        assertThat(json.get("b").get("train_steps").asInt()).isEqualTo(4);
        assertThat(json.get("b").get("heldout_loss").asDouble()).isPositive();
        assertThat(json.get("b").get("trainable_params").asLong()).isNotEqualTo(json.get("a").get("trainable_params").asLong());
        // measured: each side's text-only answers against its language model run alone
        assertThat(json.get("a").get("text_only_equals_base").asBoolean()).isTrue();
        assertThat(json.get("b").get("text_only_equals_base").asBoolean()).isTrue();
        assertThat(Files.readString(r.markdown())).contains("| figure | A (projector) | B (crossattn) |",
                "| tokens each image adds to the context | 16 | 0 |");
    }

    @Test
    void aCheckpointOfAnotherFusionTypeIsRefusedBeforeTraining() throws Exception {
        // a checkpoint whose metadata says another fusion trained it
        Path fake = dir.resolve("fake-crossattn");
        Files.createDirectories(fake);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Checkpoint.readParams(dir.resolve("out1/a/final")).forEach((k, v) -> {
            if (k.startsWith("fusion/")) tensors.put(k.substring("fusion/".length()), v);
        });
        SafetensorsWriter.write(fake.resolve("fusion.safetensors"), tensors, DType.F32, Map.of("iris.fusion", "crossattn"));
        Compare.Options o = new Compare.Options(configA, configB, dir.resolve("out3"), Optional.of(fake), Optional.empty(), List.of(), 4);
        assertThatThrownBy(() -> Compare.run(REGISTRY, o, new PrintWriter(new StringWriter()), s -> {}))
                .isInstanceOf(IrisException.class).hasMessageContaining("--checkpoint-a").hasMessageContaining("holds a crossattn fusion")
                .hasMessageContaining("model.fusion.type is projector");
        assertThat(dir.resolve("out3")).doesNotExist();
    }

    @Test
    void aBadConfigOfBFailsBeforeATrains() throws Exception {
        Path bad = dir.resolve("sub/bad.yaml");
        Files.writeString(bad, Files.readString(configB).replace("type: projector, merge: spatial, factor: 4", "type: nosuchfusion"));
        Compare.Options o = new Compare.Options(configA, bad, dir.resolve("out4"), Optional.empty(), Optional.empty(), List.of(), 4);
        assertThatThrownBy(() -> Compare.run(REGISTRY, o, new PrintWriter(new StringWriter()), s -> {}))
                .isInstanceOf(IrisException.class).hasMessageStartingWith(bad + ": ").hasMessageContaining("nosuchfusion");
        assertThat(dir.resolve("out4")).doesNotExist();
    }

    @Test
    void freeTextHeldOutCaptionsAreScoredWithTheGeneralMetricsAndBadImagesSkipped() throws Exception {
        // before: IllegalArgumentException "not a shapes caption" once A had been evaluated
        List<TestRows.Row> rows = new java.util.ArrayList<>();
        try (var ex = new dev.iris.datasets.ParquetDatasetProvider().create(dev.iris.plugins.config.IrisConfig.load(configA, List.of())
                .train().dataset(), f -> dev.iris.runtime.safetensors.Safetensors.open(f)).open()) {
            String[] texts = {"The CT-like image shows a hypodense lesion in the left lobe.", "An axial slice with no visible abnormality.",
                "A round opacity projects over the upper right field.", "The scan shows a small bright focus near the centre."};
            for (String t : texts) rows.add(new TestRows.Row("ct-" + rows.size(), t, ex.next().firstImage()));
        }
        rows.add(1, new TestRows.Row("webp-0", "A WebP slice the decoder cannot read.", TestRows.webp()));
        Path free = TestRows.write(dir.resolve("free.parquet"), rows);
        Compare.Options o = new Compare.Options(configA, configB, dir.resolve("out-free"), Optional.of(dir.resolve("out1/a/final")),
                Optional.of(dir.resolve("out1/b/final")), List.of("train.eval_dataset={\"type\": \"parquet\", \"path\": \"" + free + "\"}"), 0);
        Compare.Result r = Compare.run(REGISTRY, o, new PrintWriter(new StringWriter()), s -> {});
        for (Compare.Side s : List.of(r.a(), r.b())) {
            assertThat(s.heldOutExamples()).isEqualTo(4);
            assertThat(s.taskScores()).isEmpty();
            assertThat(s.ciderD()).isFinite().isGreaterThanOrEqualTo(0.0);
            assertThat(s.heldOutSkipped().count()).isEqualTo(1);
            assertThat(s.heldOutSkipped().byReason().keySet()).singleElement().asString().startsWith("undecodable image: ");
        }
        assertThat(first.table()).contains("fully correct");
        assertThat(r.table()).doesNotContain("fully correct").contains("| CIDEr-D | ", "| held-out rows skipped | 1 | 1 |");
        assertThat(Files.readAllLines(dir.resolve("out-free/a").resolve(Compare.EVAL_SKIPPED_FILE))).singleElement().asString()
                .contains("\"id\":\"webp-0\"", "undecodable image: ");
    }

    @Test
    void whenBFailsAsWorkIsSavedAndTheMessageSaysHowToGoOn() throws Exception {
        // B diverges at its first step (its own lr, not a shared setting); A has trained and been evaluated by then
        Path badB = dir.resolve("sub/diverging.yaml");
        Files.writeString(badB, Files.readString(configB).replace("lr: 3.0e-3", "lr: 1.0e300"));
        Path out = dir.resolve("out-fail");
        Compare.Options o = new Compare.Options(configA, badB, out, Optional.empty(), Optional.empty(), List.of(), 2);
        // before: the exception left nothing but A's run folder, with no word of it
        assertThatThrownBy(() -> Compare.run(REGISTRY, o, new PrintWriter(new StringWriter()), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("side B failed while training")
                .hasMessageContaining("non-finite weights")
                .hasMessageContaining("A's figures")
                .hasMessageContaining("--checkpoint-a " + out.resolve("a/final"));
        JsonNode partial = new ObjectMapper().readTree(out.resolve(Compare.PARTIAL_FILE).toFile());
        assertThat(partial.get("complete").asBoolean()).isFalse();
        assertThat(partial.get("failed_side").asText()).isEqualTo("B");
        assertThat(partial.get("checkpoints").get("a").asText()).isEqualTo(out.resolve("a/final").toString());
        assertThat(partial.get("a").get("heldout_examples").asInt()).isEqualTo(2);
        assertThat(partial.get("a").get("heldout_loss").asDouble()).isPositive();
        assertThat(partial.get("a").get("loss_curve")).hasSize(4);
        assertThat(out.resolve("a/final/fusion.safetensors")).exists();
        assertThat(out.resolve(Compare.JSON_FILE)).doesNotExist();
    }
}
