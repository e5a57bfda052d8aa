package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training runs end to end on the tiny preset and synthetic shapes. */
public class TrainerTest {
    @TempDir
    static Path dir;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void setUp() {
        setUpIn(dir);
    }

    /** Tiny models and a small shapes set in {@code folder}. */
    public static void setUpIn(Path folder) {
        ModelInit.write(REGISTRY, "tiny", folder.resolve("models"), 0);
        ShapesGenerator.write(folder.resolve("shapes"), 24, 8, 64, 1);
    }

    static byte[] firstTrainingImage(Path folder) {
        var ds = new dev.iris.datasets.ParquetDatasetProvider().create(
                configIn(folder, "runs/x").train().dataset(), f -> dev.iris.runtime.safetensors.Safetensors.open(f));
        try (var ex = ds.open()) {
            return ex.next().firstImage();
        }
    }

    static IrisConfig config(String output, String... overrides) {
        return configIn(dir, output, overrides);
    }

    static IrisConfig configIn(Path dir, String output, String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: shapes/train.parquet }
                  stage: pretrain
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 2
                  batch_size: 4
                  grad_accum: 2
                  steps: 6
                  save_every: 3
                  seed: 7
                  output: %s
                """.formatted(output);
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    private static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) out.add(new ObjectMapper().readTree(line));
        return out;
    }

    @Test
    void lossFallsOnASmallFixedBatch() throws Exception {
        IrisConfig cfg = config("runs/overfit", "train.steps=25", "train.shuffle=false", "train.batch_size=4", "train.grad_accum=1",
                "train.dataset.path=" + dir.resolve("shapes/heldout.parquet"), "train.schedule=constant", "train.save_every=0",
                "train.stage=finetune");
        Trainer.Result r = Trainer.train(cfg, REGISTRY, Optional.empty(), s -> {});
        List<JsonNode> m = metrics(r.runDir());
        assertThat(m).hasSize(25);
        double first = m.get(0).get("loss").asDouble(), last = m.get(24).get("loss").asDouble();
        assertThat(last).isLessThan(first * 0.7);
        // each step records the process's peak memory so far (Linux), never decreasing
        assertThat(m).allSatisfy(n -> assertThat(n.get("peak_rss_mb").asDouble()).isPositive());
        assertThat(m.get(24).get("peak_rss_mb").asDouble()).isGreaterThanOrEqualTo(m.get(0).get("peak_rss_mb").asDouble());
        assertThat(r.finalCheckpoint().resolve("fusion.safetensors")).exists();
        assertThat(r.finalCheckpoint().resolve("llm.safetensors")).exists();        // stage 2 trains the LLM too
        assertThat(r.runDir().resolve("config.yaml")).exists();
        assertThat(javax.imageio.ImageIO.read(r.runDir().resolve("loss-curve.png").toFile())).isNotNull();
    }

    @Test
    void resumingAnInterruptedRunReachesTheSameWeights() {
        Trainer.Result whole = Trainer.train(config("runs/whole"), REGISTRY, Optional.empty(), s -> {});
        assertThat(whole.finalCheckpoint().resolve("llm.safetensors")).doesNotExist();   // stage 1 leaves the LLM frozen
        IrisConfig cut = config("runs/cut");
        assertThatThrownBy(() -> Trainer.train(cut, REGISTRY, Optional.empty(), s -> {
            if (s.step() == 4) throw new IllegalStateException("simulated kill after step 4");
        })).hasMessageContaining("simulated kill");
        Path run = dir.resolve("runs/cut");
        assertThat(Checkpoint.latest(run)).contains(run.resolve("checkpoints").resolve(Checkpoint.stepName(3)));
        Trainer.Result resumed = Trainer.train(config("runs/cut"), REGISTRY, Optional.of(run), s -> {});
        assertThat(resumed.steps()).isEqualTo(6);
        Map<String, Tensor> a = Checkpoint.readParams(whole.finalCheckpoint()), b = Checkpoint.readParams(resumed.finalCheckpoint());
        assertThat(b.keySet()).isEqualTo(a.keySet()).isNotEmpty();
        for (String k : a.keySet()) assertThat(b.get(k).toFloats()).as(k).containsExactly(a.get(k).toFloats());
    }

    @Test
    void aCheckpointWriteInterruptedMidwayLeavesThePreviousOneLoadable() {
        Path folder = dir.resolve("ckpt-test/checkpoints").resolve(Checkpoint.stepName(1));
        Map<String, Tensor> params = Map.of("fusion/linear1.bias", Tensor.ofFloats(new float[] {1, 2}, 2));
        Checkpoint.State state = new Checkpoint.State(1, 0, 4, 1, "pretrain", 0, 4, 0.5);
        Checkpoint.write(folder, params, Map.of(), state, Map.of());
        // a parameter map that fails after the first tensor, as a crash in the middle of writing would
        Map<String, Tensor> failing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, Tensor>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public Iterator<Entry<String, Tensor>> iterator() {
                        Iterator<Entry<String, Tensor>> it = List.<Entry<String, Tensor>>of(
                                Map.entry("fusion/linear1.bias", Tensor.ofFloats(new float[] {9, 9}, 2)),
                                Map.entry("fusion/boom", Tensor.ofFloats(new float[] {0}, 1))).iterator();
                        return new Iterator<>() {
                            int n;

                            public boolean hasNext() {
                                return it.hasNext();
                            }

                            public Entry<String, Tensor> next() {
                                if (n++ == 1) throw new IllegalStateException("disk full");
                                return it.next();
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return 2;
                    }
                };
            }
        };
        assertThatThrownBy(() -> Checkpoint.write(folder, failing, Map.of(), new Checkpoint.State(2, 0, 8, 2, "pretrain", 0, 8, 0.4), Map.of()))
                .hasMessageContaining("cannot write checkpoint").hasMessageContaining("disk full");
        assertThat(Checkpoint.readState(folder).step()).isEqualTo(1);
        assertThat(Checkpoint.readParams(folder).get("fusion/linear1.bias").toFloats()).containsExactly(1f, 2f);
        assertThat(folder.getParent().resolve("." + folder.getFileName() + ".tmp")).doesNotExist();
        assertThat(Checkpoint.latest(dir.resolve("ckpt-test"))).contains(folder);
    }
}
