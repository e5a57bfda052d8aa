package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris config}: plugin sections are checked against their plugins; {@code --defaults} fills Iris's sections. */
class ConfigCommandTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("iris.yaml"), yaml);
    }

    private static final String MODEL = """
            model:
              vision: { type: siglip, path: v }
              llm:    { type: qwen2, path: l }
              fusion: { type: projector, factor: 4 }
            """;

    @Test
    void defaultsShowEveryServeKey() {
        // a serve limit added later must also be printed by --defaults
        assertThat(ConfigCommand.serveValues(dev.iris.server.ServeConfig.DEFAULTS).keySet())
                .containsExactlyElementsOf(dev.iris.server.ServeConfig.KEYS);
    }

    @Test
    void aTypoInAPluginSectionFailsWithTheKeyAndTheKnownFields() throws Exception {
        Path file = write(MODEL.replace("factor: 4", "factr: 4"));

        IrisCliTest.Run r = IrisCliTest.run("config", file.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("model.fusion.factr: unknown field of fusion 'projector', did you mean factor?"
                + " (known: type, weights, merge, factor, hidden)" + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void generateAndReportCheckPluginSectionsBeforeOpeningAnyModel() throws Exception {
        // the model folders do not exist: the typo must be what is reported
        Path file = write(MODEL.replace("factor: 4", "factr: 4"));
        String expected = "model.fusion.factr: unknown field of fusion 'projector', did you mean factor?";

        IrisCliTest.Run gen = IrisCliTest.run("generate", "--config", file.toString(), "--prompt", "hi");
        assertThat(gen.exitCode()).isEqualTo(1);
        assertThat(gen.err()).startsWith(expected);

        IrisCliTest.Run report = IrisCliTest.run("report", "--config", file.toString(), "--image", file.toString(),
                "--prompt", "hi", "--out", dir.resolve("r.pdf").toString());
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.err()).startsWith(expected);
    }

    @Test
    void aTypoInTheDatasetGivenWithSetFailsToo() throws Exception {
        Path file = write(MODEL + "train: { dataset: { type: shapes }, output: out }\n");

        IrisCliTest.Run r = IrisCliTest.run("config", file.toString(), "--set", "train.eval_dataset={type: parquet, pth: x}");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("train.eval_dataset.pth: unknown field of dataset 'parquet', did you mean path?");
    }

    @Test
    void defaultsFillsIrisSectionsAndKeepsWhatTheFileSets() throws Exception {
        Path file = write(MODEL + """
                generate: { temperature: 0.7 }
                train:
                  dataset: { type: shapes }
                  steps: 20
                  output: runs/x
                serve: { workers: 2 }
                """);

        IrisCliTest.Run r = IrisCliTest.run("config", file.toString(), "--defaults", "--set", "runtime.threads=3");

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode c = new ObjectMapper(new YAMLFactory()).readTree(r.out());
        assertThat(c.fieldNames()).toIterable().containsExactly("model", "runtime", "generate", "train", "serve", "report");
        assertThat(c.at("/runtime/device").asText()).isEqualTo("cpu");
        assertThat(c.at("/runtime/threads").asInt()).isEqualTo(3);
        assertThat(c.at("/runtime/weights").asText()).isEqualTo("fp32");
        assertThat(c.at("/generate/temperature").asDouble()).isEqualTo(0.7);
        assertThat(c.at("/generate/max_new_tokens").asInt()).isEqualTo(256);
        assertThat(c.at("/generate/top_p").asDouble()).isEqualTo(1.0);
        assertThat(c.at("/generate").has("system")).isTrue();
        assertThat(c.at("/generate/system").isNull()).isTrue();
        assertThat(c.at("/train/steps").asInt()).isEqualTo(20);
        assertThat(c.at("/train").has("epochs")).as("steps and epochs exclude each other").isFalse();
        assertThat(c.at("/train/lr").asDouble()).isEqualTo(1.0e-4);
        assertThat(c.at("/train/batch_size").asInt()).isEqualTo(8);
        assertThat(c.at("/train/stage").asText()).isEqualTo("pretrain");
        assertThat(c.at("/train/output").asText()).isEqualTo("runs/x");
        assertThat(c.at("/serve/workers").asInt()).isEqualTo(2);
        assertThat(c.at("/serve/queue").asInt()).isEqualTo(16);
        assertThat(c.at("/serve/model_name").asText()).isEqualTo("iris");
        assertThat(c.at("/report").has("translate")).isTrue();

        // the printed config loads again and means the same
        Path again = Files.writeString(dir.resolve("again.yaml"), r.out());
        IrisCliTest.Run second = IrisCliTest.run("config", again.toString(), "--defaults");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).isEqualTo(r.out());
    }

    @Test
    void withoutDefaultsOnlyWhatTheFileSetsIsPrinted() throws Exception {
        Path file = write(MODEL + "generate: { temperature: 0.7 }\n");

        IrisCliTest.Run r = IrisCliTest.run("config", file.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("temperature: 0.7").doesNotContain("max_new_tokens", "runtime", "serve");
    }

    @Test
    void pluginsShowsTheFieldsOfEachPlugin() {
        IrisCliTest.Run r = IrisCliTest.run("plugins");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("\n  projector .*\n      type +the plugin that reads this section\n      weights +.*\n      merge +.*\n      factor +.*\n      hidden +");
        assertThat(r.out()).containsPattern("\n  parquet .*\n      type .*\n      path .*\n      id_column ");
    }
}
