package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.datasets.ShapesGenerator;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelInit;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris train} and {@code iris eval} on data they cannot fully use, as a user runs them. */
class TrainEvalCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        ModelInit.write(PluginRegistry.discover(), "tiny", dir.resolve("models"), 0);
        ShapesGenerator.write(dir.resolve("shapes"), 16, 4, 64, 1);
        // a LLaVA-style held-out set with free-text captions, one of its images a WebP file the decoder cannot read
        Files.createDirectories(dir.resolve("ct"));
        String[] captions = {"The CT-like image shows a hypodense lesion in the left lobe.", "An axial slice with no visible abnormality.",
            "A round opacity projects over the upper right field."};
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < captions.length; i++) {
            BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            var g = img.createGraphics();
            g.setColor(new Color(40 * i, 90, 200 - 50 * i));
            g.fillOval(8 * i, 10, 30, 30);
            g.dispose();
            ImageIO.write(img, "png", dir.resolve("ct/slice" + i + ".png").toFile());
            json.append(entry("slice" + i, "slice" + i + ".png", captions[i])).append(',');
        }
        Files.write(dir.resolve("ct/broken.webp"), "RIFF\u0024\u0000\u0000\u0000WEBPVP8 \u0018\u0000\u0000\u0000garbage-garbage-garbage!".getBytes(StandardCharsets.ISO_8859_1));
        json.append(entry("broken", "broken.webp", "A WebP slice.")).append(']');
        Files.writeString(dir.resolve("ct/heldout.json"), json);
        Files.writeString(dir.resolve("iris.yaml"), """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                train:
                  dataset: { type: parquet, path: shapes/train.parquet }
                  eval_dataset: { type: llava-json, path: ct/heldout.json }
                  stage: pretrain
                  prompts: ["Describe the image."]
                  lr: 1.0e-2
                  warmup_steps: 1
                  batch_size: 4
                  steps: 2
                  save_every: 0
                  output: runs/ok
                """);
    }

    private static String entry(String id, String image, String caption) {
        return """
                {"id": "%s", "image": "%s", "conversations": [{"from": "human", "value": "<image>\\nDescribe."}, {"from": "gpt", "value": "%s"}]}"""
                .formatted(id, image, caption);
    }

    @Test
    void trainWithAnImageColumnThatHoldsNoImagesExitsOneWithTheCountsAndWritesNoCheckpoint() {
        // before: with steps the data thread spun for ever; with epochs "trained 0 steps ... final loss NaN", exit 0 and final/
        for (String length : new String[] {"train.steps=3", "train.epochs=1"}) {
            String out = dir.resolve("runs/bad-" + length.substring(6, 11)).toString();
            String[] args = length.contains("epochs")
                    ? new String[] {"train", "--config", dir.resolve("iris.yaml").toString(), "--set", "train.dataset.image_column=id",
                        "--set", "train.output=" + out, "--set", "train.steps=null", "--set", length}
                    : new String[] {"train", "--config", dir.resolve("iris.yaml").toString(), "--set", "train.dataset.image_column=id",
                        "--set", "train.output=" + out, "--set", length};
            IrisCliTest.Run r = IrisCliTest.run(args);
            assertThat(r.exitCode()).as(length + ": " + r.err() + r.out()).isEqualTo(1);
            assertThat(r.err()).as(length).contains("no usable sample", "16 rows skipped (undecodable image: ", "first ids: ", "skipped.jsonl")
                    .doesNotContain("\tat ");
            assertThat(Path.of(out, "final")).as(length).doesNotExist();
        }
    }

    @Test
    void evalOnFreeTextCaptionsGivesTheGeneralMetricsAndListsTheUndecodableImage() throws Exception {
        IrisCliTest.Run t = IrisCliTest.run("train", "--config", dir.resolve("iris.yaml").toString());
        assertThat(t.exitCode()).as(t.err()).isZero();
        Path checkpoint = dir.resolve("runs/ok/final");
        Path skipped = dir.resolve("eval-skipped.jsonl");
        // before: IllegalArgumentException "not a shapes caption" with a stack trace
        IrisCliTest.Run r = IrisCliTest.run("eval", "--config", dir.resolve("iris.yaml").toString(), "--checkpoint", checkpoint.toString(),
                "--skipped", skipped.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("examples").asInt()).isEqualTo(3);
        assertThat(json.has("shapes_accuracy")).isFalse();
        for (String k : new String[] {"heldout_loss", "perplexity", "bleu4", "rouge_l", "cider_d"}) {
            assertThat(json.get(k).isNumber()).as(k).isTrue();
        }
        assertThat(json.get("skipped").get("count").asInt()).isEqualTo(1);
        assertThat(json.get("skipped").get("first_ids").get(0).asText()).isEqualTo("broken");
        assertThat(json.get("skipped").get("file").asText()).isEqualTo(skipped.toString());
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(skipped).get(0));
        assertThat(line.get("id").asText()).isEqualTo("broken");
        assertThat(line.get("reason").asText()).startsWith("undecodable image: ");
    }
}
