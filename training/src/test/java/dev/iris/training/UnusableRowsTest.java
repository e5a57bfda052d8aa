package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on data with rows it cannot use: they are skipped and listed, and a run that can use none stops. */
class UnusableRowsTest {
    @TempDir
    static Path dir;
    static final PluginRegistry REGISTRY = TrainerTest.REGISTRY;
    /** Usable rows: the shapes training split's. */
    static List<Dataset.Example> shapes = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        TrainerTest.setUpIn(dir);
        var ds = new dev.iris.datasets.ParquetDatasetProvider().create(
                TrainerTest.configIn(dir, "runs/x").train().dataset(), f -> dev.iris.runtime.safetensors.Safetensors.open(f));
        try (var ex = ds.open()) {
            while (ex.hasNext()) shapes.add(ex.next());
        }
    }

    /** The tiny models on {@code data}, with {@code length} ("steps: 6" or "epochs: 1"). */
    static IrisConfig config(Path data, String output, String length, String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: '%s' }
                  stage: pretrain
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 1
                  batch_size: 4
                  grad_accum: 1
                  %s
                  save_every: 1
                  seed: 7
                  output: %s
                """.formatted(data, length, output);
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    static List<JsonNode> skippedLines(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(SampleSkips.FILE))) out.add(new ObjectMapper().readTree(line));
        return out;
    }

    static Path webpOnly(String name, int rows) {
        List<TestRows.Row> r = new ArrayList<>();
        for (int i = 0; i < rows; i++) r.add(new TestRows.Row("w" + i, "The CT-like image shows a hypodense lesion in the left lobe.", TestRows.webp()));
        return TestRows.write(dir.resolve(name), r);
    }

    @Test
    void stepsModeWithNoDecodableImageStopsInsteadOfSpinning() throws Exception {
        Path data = webpOnly("webp-steps.parquet", 10);
        IrisConfig cfg = config(data, "runs/webp-steps", "steps: 6", "train.shuffle=false");
        // before: the data thread read the file again and again at full CPU, with no output, for ever
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("no usable sample")
                .hasMessageContaining("10 rows skipped (undecodable image: ")
                .hasMessageContaining("first ids: w0, w1, w2, w3, w4")
                .hasMessageContaining(SampleSkips.FILE));
        Path run = dir.resolve("runs/webp-steps");
        assertThat(run.resolve("final")).doesNotExist();
        assertThat(run.resolve("checkpoints")).doesNotExist();
        List<JsonNode> lines = skippedLines(run);
        assertThat(lines).extracting(n -> n.get("id").asText()).containsExactly("w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9");
        assertThat(lines).allSatisfy(n -> assertThat(n.get("reason").asText()).startsWith("undecodable image: ").doesNotContain("row w"));
    }

    @Test
    void epochModeWithNoDecodableImageFailsAndWritesNoFinalCheckpoint() {
        Path data = webpOnly("webp-epoch.parquet", 6);
        IrisConfig cfg = config(data, "runs/webp-epoch", "epochs: 1");
        // before: "trained 0 steps ... final loss NaN", exit 0 and a final/ checkpoint
        assertThatThrownBy(() -> Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class).hasMessageContaining("no usable sample").hasMessageContaining("undecodable image");
        assertThat(dir.resolve("runs/webp-epoch/final")).doesNotExist();
    }

    @Test
    void rowsTheDatasetDropsAllAreCountedByReasonInTheMessage() {
        List<TestRows.Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) rows.add(new TestRows.Row("n" + i, "A chest radiograph.", null));
        Path data = TestRows.write(dir.resolve("no-images.parquet"), rows);
        for (String length : List.of("epochs: 1", "steps: 2")) {
            String out = "runs/no-images-" + length.charAt(0);
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(
                    () -> Trainer.train(config(data, out, length), REGISTRY, Optional.empty(), s -> {}))
                    .isInstanceOf(IrisException.class).as(length)
                    .hasMessageContaining("missing image").hasMessageContaining("n0, n1, n2, n3"));
            assertThat(dir.resolve(out).resolve("final")).doesNotExist();
        }
    }

    @Test
    void anImageColumnThatHoldsTheIdsStopsTheRunWithTheReason() {
        // the ids are text, not images: every row's "image" fails to decode
        IrisConfig cfg = config(dir.resolve("shapes/train.parquet"), "runs/id-column", "steps: 3", "train.dataset.image_column=id");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class).hasMessageContaining("no usable sample").hasMessageContaining("undecodable image: "));
        assertThat(dir.resolve("runs/id-column/final")).doesNotExist();
    }

    @Test
    void badRowsAreSkippedListedOnceEachWithTheirReasonAndTrainingGoesOn() throws Exception {
        List<TestRows.Row> rows = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Dataset.Example e = shapes.get(i);
            rows.add(new TestRows.Row(e.id(), e.caption(), e.firstImage()));
        }
        rows.add(2, new TestRows.Row("webp-1", "The CT-like image shows a hypodense lesion in the left lobe.", TestRows.webp()));
        rows.add(5, new TestRows.Row("garbage-1", "An axial slice with no visible abnormality.", TestRows.garbage(1)));
        rows.add(6, new TestRows.Row("no-caption", "  ", shapes.get(9).firstImage()));
        rows.add(7, new TestRows.Row("no-image", "A chest radiograph.", null));
        Path data = TestRows.write(dir.resolve("mixed.parquet"), rows);
        // three epochs meet every bad row three times: each is listed once
        Trainer.Result r = Trainer.train(config(data, "runs/mixed", "epochs: 3", "train.shuffle=false"), REGISTRY, Optional.empty(), s -> {});
        // 10 rows reach the batches (the dataset drops 2), 3 batches an epoch, each less its undecodable rows
        assertThat(r.steps()).isEqualTo(9);
        assertThat(r.finalCheckpoint()).exists();
        List<JsonNode> lines = skippedLines(r.runDir());
        assertThat(lines).extracting(n -> n.get("id").asText()).containsExactlyInAnyOrder("webp-1", "garbage-1", "no-caption", "no-image");
        assertThat(lines).filteredOn(n -> n.get("id").asText().equals("no-caption")).singleElement()
                .satisfies(n -> assertThat(n.get("reason").asText()).isEqualTo("empty caption"));
        assertThat(lines).filteredOn(n -> n.get("id").asText().equals("no-image")).singleElement()
                .satisfies(n -> assertThat(n.get("reason").asText()).isEqualTo("missing image"));
        assertThat(lines).filteredOn(n -> n.get("id").asText().contains("-1")).allSatisfy(
                n -> assertThat(n.get("reason").asText()).startsWith("undecodable image: ").isNotEqualTo("undecodable image"));
        assertThat(r.skippedFile()).contains(r.runDir().resolve(SampleSkips.FILE));
        assertThat(r.datasetSkips().count()).isEqualTo(2);
        assertThat(r.sampleSkips().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
        assertThat(r.sampleSkips().keySet()).allSatisfy(k -> assertThat(k).startsWith("undecodable image: "));
    }

    @Test
    void anUpdateThatMakesWeightsNonFiniteStopsNamingStepTensorAndBatch() {
        // AdamW moves each weight by about lr: 1e300 overflows float at the first step while its loss was finite
        IrisConfig cfg = TrainerTest.configIn(dir, "runs/diverged", "train.lr=1.0e300", "train.warmup_steps=0", "train.save_every=1",
                "train.shuffle=false");
        assertThatThrownBy(() -> Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {}))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("step 1 left non-finite weights: fusion/")
                .hasMessageContaining("batch ids: " + shapes.get(0).id());
        // before: the step-1 checkpoint was written with the overflowed weights, and the run only stopped at step 2's loss
        assertThat(dir.resolve("runs/diverged/checkpoints")).doesNotExist();
        assertThat(dir.resolve("runs/diverged/final")).doesNotExist();
    }

    @Test
    void aLongRunOfUnusableRowsStopsBeforeThePassEnds() {
        // 50 rows whose prompt alone is longer than max_length: none can be a sample; the bound is 10 rows in a row
        IrisConfig cfg = TrainerTest.configIn(dir, "runs/bound", "train.stage=lm", "train.shuffle=false");
        List<Dataset.Example> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) rows.add(Dataset.Example.caption("t" + i, "A caption.", null));
        Dataset data = new Dataset() {
            @Override
            public Examples open() {
                var it = rows.iterator();
                return new Examples() {
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    public Dataset.Example next() {
                        return it.next();
                    }

                    public void close() {}

                    public Dataset.Skips skips() {
                        return Dataset.Skips.NONE;
                    }

                    public List<Dataset.Skipped> drainSkipped() {
                        return List.of();
                    }
                };
            }

            @Override
            public String describe() {
                return "fifty rows";
            }
        };
        try (var parts = dev.iris.plugins.model.ModelParts.create(cfg, REGISTRY); SampleSkips skips = SampleSkips.inMemory()) {
            var llm = parts.llm();
            SampleBuilder builder = SampleBuilder.of(llm, parts.fusion(), false, Optional.empty(), List.of("Describe."), 2);
            long pad = builder.imagePositions().tokenId();
            try (SamplePreparer preparer = new SamplePreparer(builder, null, skips)) {
                BatchProducer producer = new BatchProducer(data, preparer, skips, cfg.train(), 0, pad,
                        new Checkpoint.State(0, 0, 0, 0, "lm", 7, 0, Double.NaN), 10);
                Thread t = new Thread(producer);
                t.start();
                assertThatThrownBy(producer::take).isInstanceOf(IrisException.class)
                        .hasMessageContaining("fifty rows: 10 rows in a row gave no usable sample (none so far)")
                        .hasMessageContaining("10 rows skipped (the prompt alone is ").hasMessageContaining("first ids: t0, t1, t2, t3, t4");
                assertThat(skips.count()).isEqualTo(10);   // it stopped there, not at the end of the 50
            }
        }
    }
}
