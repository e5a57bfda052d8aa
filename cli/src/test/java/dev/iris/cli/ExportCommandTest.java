package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `iris export` writes both formats from a config, says what it wrote, and refuses an unknown format. */
class ExportCommandTest {
    @TempDir
    static Path dir;
    static Path config;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void init() {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "init", "--preset", "tiny", "--out", dir.resolve("tiny").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        config = dir.resolve("tiny/iris.yaml");
    }

    @Test
    void onnxWritesTheGraphsWeightsAndManifest() throws Exception {
        Path out = dir.resolve("onnx");
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "export", "--config", config.toString(), "--format", "onnx", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("onnx: image.onnx, language.onnx, weights.data", "written: " + out);
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("iris-onnx.json").toFile());
        assertThat(manifest.path("graphs").path("language").path("inputs").findValuesAsText("name")).contains("ids", "past_key.0", "splice");
        assertThat(manifest.path("image_processor").path("image_size").asInt()).isPositive();
        try (var beside = Files.list(dir)) {
            assertThat(beside.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));   // written aside, then renamed
        }
    }

    @Test
    void hfWritesTheLanguageModelAndSaysTheFusionIsUntrained() {
        Path out = dir.resolve("hf");
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "export", "--config", config.toString(), "--format", "hf", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("llm: ", "fusion: not written (model.fusion.weights is not set");
        assertThat(out.resolve("llm/model.safetensors")).exists();
        assertThat(out.resolve("llm/config.json")).exists();
    }

    @Test
    void anUnknownFormatIsAnError() {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "export", "--config", config.toString(), "--format", "gguf", "--out",
                dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--format gguf: iris export writes onnx or hf");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
