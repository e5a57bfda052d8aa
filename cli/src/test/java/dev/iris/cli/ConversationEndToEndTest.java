package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.host.PluginRegistry;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LLaVA's stage 2 on the tiny presets, as a user runs it: a LLaVA-Instruct-style json (multi-turn
 * entries, an image given as a list, text-only entries, a two-image entry and bad entries) through
 * {@code iris train} stage finetune and {@code iris eval}. Every entry left out is listed with its
 * reason; every language model and fusion installed is covered, and stage 2 with LoRA once.
 */
class ConversationEndToEndTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static final String PRESET = "tiny";

    static final String INSTRUCT = """
            [
              {"id": "bus", "image": "coco/red.png", "conversations": [
                {"from": "human", "value": "<image>\\nWhat is in the picture?"}, {"from": "gpt", "value": "A red circle on white."},
                {"from": "human", "value": "Where is it?"}, {"from": "gpt", "value": "In the top left."},
                {"from": "human", "value": "Is it big?"}, {"from": "gpt", "value": "No, it is small."}]},
              {"id": "listed", "image": ["coco/blue.png"], "conversations": [
                {"from": "human", "value": "Describe the image.\\n<image>"}, {"from": "gpt", "value": "A blue square."},
                {"from": "human", "value": "And the background?"}, {"from": "gpt", "value": "White."}]},
              {"id": "chat-1", "conversations": [
                {"from": "human", "value": "Hello"}, {"from": "gpt", "value": "Hello! How can I help?"}]},
              {"id": "chat-2", "conversations": [
                {"from": "system", "value": "Answer briefly."}, {"from": "human", "value": "Count to three."},
                {"from": "gpt", "value": "1, 2, 3."}, {"from": "human", "value": "And back?"}, {"from": "gpt", "value": "3, 2, 1."}]},
              {"id": "pair", "image": ["coco/red.png", "coco/blue.png"], "conversations": [
                {"from": "human", "value": "<image> or <image>?"}, {"from": "gpt", "value": "The first."}]},
              {"id": "twice-gpt", "image": "coco/red.png", "conversations": [
                {"from": "human", "value": "<image>"}, {"from": "gpt", "value": "a"}, {"from": "gpt", "value": "b"}]},
              {"id": "no-answer", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": " "}]},
              {"id": "gone", "image": "coco/missing.png", "conversations": [
                {"from": "human", "value": "<image>"}, {"from": "gpt", "value": "x"}]},
              {"id": "markers", "image": "coco/red.png", "conversations": [
                {"from": "human", "value": "<image> <image>"}, {"from": "gpt", "value": "x"}]}
            ]
            """;

    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(data.resolve("coco"));
        png(data.resolve("coco/red.png"), Color.RED);
        png(data.resolve("coco/blue.png"), Color.BLUE);
        Files.writeString(data.resolve("instruct.json"), INSTRUCT);
    }

    private static void png(Path file, Color c) throws Exception {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 32, 32);
        g.setColor(c);
        g.fillRect(2, 2, 12, 12);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** One encoder with the tiny preset, with every language model that has it and every fusion. */
    static Stream<Arguments> pairs() {
        String vision = REGISTRY.providers(ProviderKind.VISION).stream().filter(v -> v.presets().contains(PRESET)).findFirst()
                .map(Provider::type).orElseThrow();
        List<Arguments> out = new ArrayList<>();
        for (Provider l : REGISTRY.providers(ProviderKind.LLM)) {
            if (!l.presets().contains(PRESET)) continue;
            for (Provider f : REGISTRY.providers(ProviderKind.FUSION)) out.add(Arguments.of(vision, l.type(), f.type()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} + {1} + {2}")
    @MethodSource("pairs")
    void instructionConversationsTrainAndEvaluate(String vision, String llm, String fusion) throws Exception {
        Path run = dir.resolve("runs").resolve(vision + "-" + llm + "-" + fusion);
        Path config = stage2Config(dir.resolve("models"), vision, llm, fusion, "", run);

        IrisCliTest.Run train = IrisCliTest.run("train", "--config", config.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        for (String line : metrics) assertThat(json.readTree(line).get("loss").asDouble()).isPositive().isFinite();

        // every entry left out is listed once with its reason; the usable ones (multi-turn, listed image, text only) all trained
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String line : Files.readAllLines(run.resolve("skipped.jsonl"))) {
            JsonNode n = json.readTree(line);
            assertThat(skipped.put(n.get("id").asText(), n.get("reason").asText())).as("listed once: %s", line).isNull();
        }
        // every fusion trains on the text-only conversations and the two-image entry: the projector
        // places a block per image, cross-attention is told which image tokens each position reads
        // (none in a text-only sample, the batch's empty image slots by nobody)
        assertThat(skipped).containsOnlyKeys("twice-gpt", "no-answer", "gone", "markers");
        assertThat(skipped.get("twice-gpt")).startsWith("roles not alternating: turn 3");
        assertThat(skipped.get("no-answer")).isEqualTo("empty answer: turn 2");
        assertThat(skipped.get("gone")).isEqualTo("image file not found: coco/missing.png");
        assertThat(skipped.get("markers")).startsWith("image count mismatch");

        // held-out: loss over the answers' tokens, and each answer generated from its real history
        IrisCliTest.Run eval = IrisCliTest.run("eval", "--config", config.toString(), "--checkpoint", run.resolve("final").toString());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode scores = json.readTree(eval.out());
        assertThat(scores.get("examples").asInt()).isEqualTo(5);
        assertThat(scores.get("answers").asInt()).as("3 + 2 + 1 + 2 + 1 assistant turns").isEqualTo(9);
        assertThat(scores.get("captions").findValuesAsText("id")).contains("bus#1", "bus#2", "bus#3", "chat-1", "pair");
        assertThat(scores.get("captions").get(1).get("reference").asText()).isEqualTo("In the top left.");
        assertThat(scores.get("heldout_loss").asDouble()).isPositive().isFinite();
        assertThat(scores.get("perplexity").asDouble()).isGreaterThan(1.0).isFinite();
    }

    /** The same data through stage 2 with LoRA adapters on the language model (the projector trains beside them). */
    @org.junit.jupiter.api.Test
    void instructionConversationsTrainWithLoraAndEvaluateWithTheAdapter() throws Exception {
        Arguments first = pairs().filter(a -> a.get()[2].equals("projector")).findFirst().orElseThrow();
        String vision = (String) first.get()[0], llm = (String) first.get()[1];
        Path run = dir.resolve("runs").resolve(vision + "-" + llm + "-projector-lora");
        Path config = stage2Config(dir.resolve("models-lora"), vision, llm, "projector", "lora: { rank: 4, alpha: 8, targets: [q_proj, v_proj] }", run);
        IrisCliTest.Run train = IrisCliTest.run("train", "--config", config.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(3);
        for (String line : metrics) assertThat(json.readTree(line).get("loss").asDouble()).isPositive().isFinite();
        assertThat(run.resolve("final/adapter_model.safetensors")).exists();
        assertThat(run.resolve("final/llm.safetensors")).doesNotExist();
        // the same entries are left out as in a full fine-tune: the two-image one trains
        List<String> skippedIds = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("skipped.jsonl"))) skippedIds.add(json.readTree(line).get("id").asText());
        assertThat(skippedIds).containsExactlyInAnyOrder("twice-gpt", "no-answer", "gone", "markers");

        IrisCliTest.Run eval = IrisCliTest.run("eval", "--config", config.toString(), "--checkpoint", run.resolve("final").toString());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode scores = json.readTree(eval.out());
        assertThat(scores.get("answers").asInt()).isEqualTo(9);
        assertThat(scores.get("heldout_loss").asDouble()).isPositive().isFinite();
    }

    /** Writes tiny models for the pair and a stage-2 config on the instruction data ({@code extra}: one more train line). */
    private static Path stage2Config(Path models, String vision, String llm, String fusion, String extra, Path run) throws Exception {
        IrisCliTest.Run init = IrisCliTest.run("init", "--vision", vision + ":" + PRESET, "--llm", llm + ":" + PRESET, "--fusion", fusion,
                "--out", models.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        String name = vision + "-" + llm + "-" + fusion;
        Path config = models.resolve(name + "-stage2.yaml");
        Files.writeString(config, Files.readString(models.resolve(name + ".yaml")) + """
                train:
                  dataset:      { type: llava-json, path: %1$s, images: %2$s }
                  eval_dataset: { type: llava-json, path: %1$s, images: %2$s }
                  stage: finetune
                  %4$s
                  lr: 1.0e-3
                  warmup_steps: 1
                  batch_size: 2
                  steps: 3
                  save_every: 0
                  log_every: 1
                  seed: 0
                  output: %3$s
                """.formatted(data.resolve("instruct.json"), data, run, extra));
        return config;
    }
}
