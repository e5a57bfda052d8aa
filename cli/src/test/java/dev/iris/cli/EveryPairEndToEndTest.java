package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelParts;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every installed encoder with every installed language model and every installed fusion, as a
 * user runs them: {@code iris init --vision T:tiny --llm T:tiny --fusion T}, then {@code train} a
 * few steps, {@code generate}, {@code report} and {@code eval}. The pairs are whatever discovery finds, so a new
 * plugin on the class path is covered without a line here.
 */
class EveryPairEndToEndTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static final String PRESET = "tiny";
    static final int MAX_NEW_TOKENS = 6;

    @TempDir
    static Path dir;
    static Path image;

    @BeforeAll
    static void setUp() throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 30);
        g.setColor(Color.RED);
        g.fillOval(5, 5, 18, 18);
        g.dispose();
        image = dir.resolve("red-circle.png");
        ImageIO.write(img, "png", image.toFile());
    }

    /** Every (vision, llm, fusion) whose encoder and language model have the tiny preset. */
    static Stream<Arguments> pairs() {
        List<Arguments> out = new ArrayList<>();
        for (Provider v : REGISTRY.providers(ProviderKind.VISION)) {
            if (!v.presets().contains(PRESET)) continue;   // test doubles without model folders
            for (Provider l : REGISTRY.providers(ProviderKind.LLM)) {
                if (!l.presets().contains(PRESET)) continue;
                for (Provider f : REGISTRY.providers(ProviderKind.FUSION)) out.add(Arguments.of(v.type(), l.type(), f.type()));
            }
        }
        return out.stream();
    }

    @Test
    void everyInstalledFusionJoinsAtLeastOneInstalledPair() {
        // two fusions and at least one encoder and language model: the product below is not empty by accident
        assertThat(pairs().count()).isGreaterThanOrEqualTo(REGISTRY.providers(ProviderKind.FUSION).size()).isGreaterThanOrEqualTo(2);
    }

    @ParameterizedTest(name = "{0} + {1} + {2}")
    @MethodSource("pairs")
    void initTrainGenerateEval(String vision, String llm, String fusion) throws Exception {
        Path models = dir.resolve("models");
        IrisCliTest.Run init = IrisCliTest.run("init", "--vision", vision + ":" + PRESET, "--llm", llm + ":" + PRESET, "--fusion", fusion,
                "--out", models.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        Path written = models.resolve(vision + "-" + llm + "-" + fusion + ".yaml");
        assertThat(init.out()).contains("config: " + written);
        assertThat(models.resolve(vision + "-" + PRESET).resolve("model.safetensors")).isRegularFile();
        assertThat(models.resolve(llm + "-" + PRESET).resolve("model.safetensors")).isRegularFile();

        // the written config with a small train section: the model part is exactly what init wrote
        String name = vision + "-" + llm + "-" + fusion;
        Path config = models.resolve(name + "-train.yaml");
        Files.writeString(config, Files.readString(written) + """
                train:
                  dataset:      { type: shapes, path: %1$s, split: train,   train_count: 12, heldout_count: 3, image_size: 32 }
                  eval_dataset: { type: shapes, path: %1$s, split: heldout, train_count: 12, heldout_count: 3, image_size: 32 }
                  stage: finetune
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 1
                  batch_size: 4
                  steps: 3
                  save_every: 0
                  log_every: 1
                  seed: 0
                  output: %2$s
                """.formatted(dir.resolve("shapes"), dir.resolve("runs").resolve(name)));
        int imageTokens;
        try (ModelParts parts = ModelParts.create(IrisConfig.load(config, List.of()), REGISTRY)) {
            imageTokens = parts.fusion().imageTokens();
        }

        IrisCliTest.Run train = IrisCliTest.run("train", "--config", config.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        Path checkpoint = dir.resolve("runs").resolve(name).resolve("final");
        assertThat(checkpoint.resolve("fusion.safetensors")).isRegularFile();
        List<String> metrics = Files.readAllLines(dir.resolve("runs").resolve(name).resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(3);
        for (String line : metrics) assertThat(new ObjectMapper().readTree(line).get("loss").asDouble()).isPositive().isFinite();

        // generation with the trained fusion: the image takes the tokens its fusion declares, greedy is repeatable
        String[] common = {"--config", config.toString(), "--prompt", "Describe the image.", "--json",
            "--set", "model.fusion.weights=" + checkpoint.resolve("fusion.safetensors"), "--set", "generate.max_new_tokens=" + MAX_NEW_TOKENS};
        JsonNode withImage = generate(common, true), again = generate(common, true), textOnly = generate(common, false);
        assertThat(withImage.get("generated_ids").size()).isBetween(1, MAX_NEW_TOKENS);
        assertThat(again.get("generated_ids")).isEqualTo(withImage.get("generated_ids"));
        assertThat(withImage.get("prompt_ids").size() - textOnly.get("prompt_ids").size()).isGreaterThanOrEqualTo(imageTokens);

        // the PDF report of the trained pair: a PDF file, written whole
        Path pdf = dir.resolve(name + ".pdf");
        IrisCliTest.Run report = IrisCliTest.run("report", "--config", config.toString(), "--image", image.toString(), "--prompt", "Describe the image.",
                "--out", pdf.toString(), "--set", "model.fusion.weights=" + checkpoint.resolve("fusion.safetensors"),
                "--set", "generate.max_new_tokens=" + MAX_NEW_TOKENS);
        assertThat(report.exitCode()).as(report.err()).isZero();
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(pdf), 5);
        assertThat(new String(head, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("%PDF-");

        IrisCliTest.Run eval = IrisCliTest.run("eval", "--config", config.toString(), "--checkpoint", checkpoint.toString());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(eval.out());
        assertThat(scores.get("examples").asInt()).isEqualTo(3);
        assertThat(scores.get("heldout_loss").asDouble()).isPositive().isFinite();
        assertThat(scores.get("shapes_accuracy").asDouble()).isBetween(0.0, 1.0);
    }

    private static JsonNode generate(String[] common, boolean withImage) throws Exception {
        List<String> args = new ArrayList<>(List.of("generate"));
        args.addAll(List.of(common));
        if (withImage) args.addAll(List.of("--image", image.toString()));
        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }
}
