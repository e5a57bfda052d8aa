package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.training.Checkpoint;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage 2 with LoRA as a user runs it on the tiny models: {@code iris train} with {@code train.lora}
 * writes the adapters in PEFT's layout and resumes to the same adapters; generation with the
 * unmerged adapter ({@code model.llm.adapter}) and with the folder {@code iris merge} writes give
 * the same tokens.
 */
class LoraEndToEndTest {
    @TempDir
    static Path dir;
    private static Path config, image;

    @BeforeAll
    static void setUp() throws Exception {
        ModelInit.write(PluginRegistry.discover(), "tiny", dir.resolve("models"), 0);
        ShapesGenerator.write(dir.resolve("shapes"), 16, 4, 64, 1);
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillOval(10, 12, 30, 30);
        g.dispose();
        image = dir.resolve("circle.png");
        ImageIO.write(img, "png", image.toFile());
        config = Files.writeString(dir.resolve("iris.yaml"), """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                generate: { max_new_tokens: 8 }
                train:
                  dataset: { type: parquet, path: shapes/train.parquet }
                  eval_dataset: { type: parquet, path: shapes/heldout.parquet }
                  stage: finetune
                  lora: { rank: 4, alpha: 8, dropout: 0.1, targets: [q_proj, v_proj, down_proj] }
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 1
                  batch_size: 4
                  grad_accum: 1
                  steps: 3
                  save_every: 2
                  output: runs/lora
                """);
    }

    @Test
    void trainSavesPeftAdaptersThatResumeGenerateAndMergeToTheSameTokens() throws Exception {
        IrisCliTest.Run train = IrisCliTest.run("train", "--config", config.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        Path fin = dir.resolve("runs/lora/final");
        // the adapters and the fusion are trained; the language model's weights are not saved (they stayed frozen)
        assertThat(fin.resolve("adapter_model.safetensors")).exists();
        assertThat(fin.resolve("fusion.safetensors")).exists();
        assertThat(fin.resolve("llm.safetensors")).doesNotExist();
        JsonNode cfg = new ObjectMapper().readTree(fin.resolve("adapter_config.json").toFile());
        assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(cfg.get("r").asInt()).isEqualTo(4);
        assertThat(cfg.get("lora_dropout").asDouble()).isEqualTo(0.1);
        assertThat(cfg.get("lora_alpha").asDouble()).isEqualTo(8);
        assertThat(cfg.get("base_model_name_or_path").asText()).isEqualTo(dir.resolve("models/llm").toString());
        try (WeightSource a = Safetensors.open(fin.resolve("adapter_model.safetensors"));
             WeightSource base = Safetensors.open(dir.resolve("models/llm"))) {
            List<String> aKeys = a.names().stream().filter(k -> k.endsWith(".lora_A.weight")).toList();
            assertThat(a.names()).allMatch(k -> k.startsWith("base_model.model.model.layers.") && k.matches(".*\\.lora_[AB]\\.weight"))
                    .anyMatch(k -> k.contains(".mlp.down_proj.lora_B.weight"));
            assertThat(a.names()).hasSize(2 * aKeys.size());
            for (String k : aKeys) {
                String module = k.substring("base_model.model.".length(), k.length() - ".lora_A.weight".length());
                long[] w = base.info(module + ".weight").orElseThrow().shape();
                assertThat(a.info(k).orElseThrow().shape()).containsExactly(4, w[1]);
                assertThat(a.info("base_model.model." + module + ".lora_B.weight").orElseThrow().shape()).containsExactly(w[0], 4);
                // B started at zero and was trained
                assertThat(a.read("base_model.model." + module + ".lora_B.weight").toFloats()).containsAnyOf(nonZero(a, module));
            }
        }

        // resume from the step-2 checkpoint: the same adapters as the uninterrupted run (the dropout masks drawn again alike)
        byte[] uninterrupted = Files.readAllBytes(fin.resolve("adapter_model.safetensors"));
        Checkpoint.deleteRecursively(fin);
        IrisCliTest.Run resumed = IrisCliTest.run("train", "--resume", dir.resolve("runs/lora").toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(Files.readAllBytes(fin.resolve("adapter_model.safetensors"))).isEqualTo(uninterrupted);

        JsonNode unmerged = generate("--set", "model.llm.adapter=" + fin);
        IrisCliTest.Run merge = IrisCliTest.run("merge", "--adapter", fin.toString(), "--output", dir.resolve("merged").toString());
        assertThat(merge.exitCode()).as(merge.err()).isZero();
        assertThat(merge.out()).contains("merged 6 adapted modules", "(float32)");
        JsonNode merged = generate("--set", "model.llm.path=" + dir.resolve("merged"));
        assertThat(unmerged.get("generated_ids").size()).isBetween(1, 8);
        assertThat(merged.get("generated_ids")).isEqualTo(unmerged.get("generated_ids"));
        assertThat(merged.get("text").asText()).isEqualTo(unmerged.get("text").asText());

        // a bf16 base merges to a bf16 folder that generates the unmerged adapter's tokens; --dtype float32 writes float32
        Path bf16 = bf16Copy(dir.resolve("models/llm"), dir.resolve("llm-bf16"));
        IrisCliTest.Run mergeBf16 = IrisCliTest.run("merge", "--adapter", fin.toString(), "--base", bf16.toString(),
                "--output", dir.resolve("merged-bf16").toString());
        assertThat(mergeBf16.exitCode()).as(mergeBf16.err()).isZero();
        assertThat(mergeBf16.out()).contains("(bfloat16)");
        assertThat(dtypes(dir.resolve("merged-bf16"))).containsExactly(DType.BF16);
        assertThat(new ObjectMapper().readTree(dir.resolve("merged-bf16/config.json").toFile()).get("torch_dtype").asText()).isEqualTo("bfloat16");
        assertThat(Files.size(dir.resolve("merged-bf16/model.safetensors"))).isLessThan(Files.size(dir.resolve("merged/model.safetensors")) / 2 + 4096);
        JsonNode unmergedBf16 = generate("--set", "model.llm.path=" + bf16, "--set", "model.llm.adapter=" + fin);
        JsonNode mergedBf16 = generate("--set", "model.llm.path=" + dir.resolve("merged-bf16"));
        assertThat(mergedBf16.get("generated_ids")).isEqualTo(unmergedBf16.get("generated_ids"));
        IrisCliTest.Run mergeF32 = IrisCliTest.run("merge", "--adapter", fin.toString(), "--base", bf16.toString(),
                "--output", dir.resolve("merged-bf16-f32").toString(), "--dtype", "float32");
        assertThat(mergeF32.exitCode()).as(mergeF32.err()).isZero();
        assertThat(dtypes(dir.resolve("merged-bf16-f32"))).containsExactly(DType.F32);
        assertThat(new ObjectMapper().readTree(dir.resolve("merged-bf16-f32/config.json").toFile()).get("torch_dtype").asText()).isEqualTo("float32");

        // iris eval of the run's checkpoint applies its adapter: the same held-out loss as the merged model with the trained fusion
        JsonNode eval = evalLoss("--checkpoint", fin.toString());
        Path fusionOnly = Files.createDirectories(dir.resolve("fusion-only"));
        Files.copy(fin.resolve("fusion.safetensors"), fusionOnly.resolve("fusion.safetensors"));
        JsonNode evalMerged = evalLoss("--checkpoint", fusionOnly.toString(), "--set", "model.llm.path=" + dir.resolve("merged"));
        JsonNode evalBase = evalLoss("--checkpoint", fusionOnly.toString());
        assertThat(eval.get("heldout_loss").asDouble()).isNotEqualTo(evalBase.get("heldout_loss").asDouble());
        assertThat(eval.get("heldout_loss").asDouble()).isCloseTo(evalMerged.get("heldout_loss").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void mergeRefusesADtypeOtherThanTheFourNamingTheOptionAndTheChoices() {
        IrisCliTest.Run r = IrisCliTest.run("merge", "--adapter", dir.resolve("no-adapter").toString(), "--output",
                dir.resolve("merged-int8").toString(), "--dtype", "int8");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--dtype int8: expected one of auto, float32, bfloat16, float16");
        assertThat(dir.resolve("merged-int8")).doesNotExist();
    }

    /** The floating dtypes a model folder's tensors are stored in. */
    private static Set<DType> dtypes(Path folder) {
        try (WeightSource w = Safetensors.open(folder)) {
            return w.names().stream().map(n -> w.info(n).orElseThrow().dtype()).filter(DType::isFloating).collect(Collectors.toSet());
        }
    }

    /** A model folder copied with its weights stored as bf16. */
    private static Path bf16Copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        Map<String, Tensor> t = new LinkedHashMap<>();
        try (WeightSource w = Safetensors.open(from)) {
            for (String n : w.names()) t.put(n, w.read(n));
        }
        SafetensorsWriter.write(to.resolve(Safetensors.SINGLE_FILE), t, DType.BF16);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f)).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static Float[] nonZero(WeightSource a, String module) {
        List<Float> out = new ArrayList<>();
        for (float f : a.read("base_model.model." + module + ".lora_B.weight").toFloats()) if (f != 0) out.add(f);
        assertThat(out).as(module + " lora_B").isNotEmpty();
        return out.toArray(Float[]::new);
    }

    private static JsonNode evalLoss(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", "--config", config.toString(), "--limit", "4"));
        args.addAll(List.of(extra));
        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static JsonNode generate(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("generate", "--config", config.toString(), "--image", image.toString(),
                "--prompt", "Describe the image.", "--json", "--set", "model.fusion.weights=" + dir.resolve("runs/lora/final/fusion.safetensors")));
        args.addAll(List.of(extra));
        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    /**
     * QLoRA-style: with {@code runtime.weights: int8} the frozen base is held as int8 codes in
     * training. The run ends with a finite loss and saves adapters that generation applies over
     * the same int8 base; the adapters differ from those trained over the float base (the
     * gradients went through the codes), and stage 2 without adapters is refused by name.
     */
    @Test
    void loraOverAnInt8BaseTrainsSavesAndGenerates() throws Exception {
        List<String> common = List.of("--set", "train.steps=2", "--set", "train.save_every=2", "--set", "train.lora.dropout=0.0");
        IrisCliTest.Run int8 = train(common, "runtime.weights=int8", "train.output=" + dir.resolve("runs/qlora"));
        assertThat(int8.exitCode()).as(int8.err()).isZero();
        IrisCliTest.Run fp32 = train(common, "runtime.weights=fp32", "train.output=" + dir.resolve("runs/qlora-fp32"));
        assertThat(fp32.exitCode()).as(fp32.err()).isZero();

        Path fin = dir.resolve("runs/qlora/final");
        List<String> metrics = Files.readAllLines(dir.resolve("runs/qlora/metrics.jsonl"));
        assertThat(metrics).hasSize(2);
        for (String line : metrics) assertThat(Double.isFinite(new ObjectMapper().readTree(line).get("loss").asDouble())).as(line).isTrue();
        assertThat(fin.resolve("adapter_model.safetensors")).exists();
        assertThat(fin.resolve("llm.safetensors")).doesNotExist();
        try (WeightSource q = Safetensors.open(fin.resolve("adapter_model.safetensors"));
             WeightSource f = Safetensors.open(dir.resolve("runs/qlora-fp32/final/adapter_model.safetensors"))) {
            assertThat(q.names()).isEqualTo(f.names());
            String b = q.names().stream().filter(k -> k.endsWith(".mlp.down_proj.lora_B.weight")).findFirst().orElseThrow();
            nonZero(q, b.substring("base_model.model.".length(), b.length() - ".lora_B.weight".length()));
            assertThat(q.read(b).toFloats()).isNotEqualTo(f.read(b).toFloats());
        }

        IrisCliTest.Run gen = IrisCliTest.run("generate", "--config", config.toString(), "--image", image.toString(),
                "--prompt", "Describe the image.", "--json", "--set", "runtime.weights=int8", "--set", "model.llm.adapter=" + fin,
                "--set", "model.fusion.weights=" + fin.resolve("fusion.safetensors"));
        assertThat(gen.exitCode()).as(gen.err()).isZero();
        assertThat(new ObjectMapper().readTree(gen.out()).get("generated_ids").size()).isBetween(1, 8);

        Path fullFinetune = Files.writeString(dir.resolve("full.yaml"), Files.readString(config).lines()
                .filter(l -> !l.contains("lora:")).reduce("", (a, l) -> a + l + "\n"));
        IrisCliTest.Run full = IrisCliTest.run("train", "--config", fullFinetune.toString(), "--set", "runtime.weights=int8",
                "--set", "train.output=" + dir.resolve("runs/bad-full"));
        assertThat(full.exitCode()).isEqualTo(1);
        assertThat(full.err()).contains("runtime.weights: int8 with train.stage finetune without train.lora");
        // stage pretrain leaves the whole language model frozen: its base is int8 too
        IrisCliTest.Run pretrain = IrisCliTest.run("train", "--config", fullFinetune.toString(), "--set", "runtime.weights=int8",
                "--set", "train.stage=pretrain", "--set", "train.steps=1", "--set", "train.output=" + dir.resolve("runs/q-pretrain"));
        assertThat(pretrain.exitCode()).as(pretrain.err()).isZero();
        assertThat(dir.resolve("runs/q-pretrain/final/fusion.safetensors")).exists();
        IrisCliTest.Run int4 = IrisCliTest.run("train", "--config", config.toString(), "--set", "runtime.weights=int4",
                "--set", "train.output=" + dir.resolve("runs/bad-int4"));
        assertThat(int4.exitCode()).isEqualTo(1);
        assertThat(int4.err()).contains("runtime.weights: int4 is not supported in training");
    }

    private static IrisCliTest.Run train(List<String> common, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", config.toString()));
        args.addAll(common);
        for (String s : sets) args.addAll(List.of("--set", s));
        return IrisCliTest.run(args.toArray(String[]::new));
    }

    @Test
    void loraInStagePretrainAndATargetMatchingNothingAreErrorsNamingTheProblem() {
        IrisCliTest.Run pretrain = IrisCliTest.run("train", "--config", config.toString(), "--set", "train.stage=pretrain",
                "--set", "train.output=" + dir.resolve("runs/bad1"));
        assertThat(pretrain.exitCode()).isEqualTo(1);
        assertThat(pretrain.err()).contains("train.lora: stage pretrain").contains("use stage finetune");

        IrisCliTest.Run target = IrisCliTest.run("train", "--config", config.toString(), "--set", "train.lora.targets=[q_proj, qkv]",
                "--set", "train.output=" + dir.resolve("runs/bad2"));
        assertThat(target.exitCode()).isEqualTo(1);
        assertThat(target.err()).contains("train.lora.targets: target 'qkv' matches no linear layer of the llm")
                .contains("down_proj", "q_proj", "o_proj");

        IrisCliTest.Run rank = IrisCliTest.run("train", "--config", config.toString(), "--set", "train.lora.rank=0",
                "--set", "train.output=" + dir.resolve("runs/bad3"));
        assertThat(rank.exitCode()).isEqualTo(1);
        assertThat(rank.err()).contains("train.lora.rank: expected an integer >= 1 but got 0");
    }
}
