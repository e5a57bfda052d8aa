package dev.iris.plugins.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.data.ShapesGenerator;
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
                  eval_dataset: { type: parquet, path: %1$sdata/heldout.parquet }
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
            assertThat(s.get("accuracy").asDouble()).isBetween(0.0, 1.0);
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
        assertThat(md).contains("| figure | A (projector) | B (projector) |", "|---|---:|---:|",
                "| tokens each image adds to the context | 16 | 16 |",
                "| text-only prompts give exactly the base LLM's output | yes | yes |",
                "## What this means", "Both add 16 tokens per image to the context.", "loss-curves.png");
        for (CompareReport.Row r : CompareReport.ROWS) assertThat(md).contains("| " + r.label() + " | ");
        assertThat(md).doesNotContain("n/a");
        assertThat(first.table()).startsWith("| figure |").hasLineCount(CompareReport.ROWS.size() + 2);
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
}
