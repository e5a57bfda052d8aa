package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.weights.QuantizedSource;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** `iris quantize` writes a model whose load reads the codes: it answers as the quantizing load does. */
class QuantizeCommandTest {
    @TempDir
    static Path dir;
    static Path config, image;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void init() throws Exception {
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "init", "--preset", "tiny", "--out", dir.resolve("tiny").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        config = dir.resolve("tiny/iris.yaml");
        image = dir.resolve("circle.png");
        ImageIO.write(GenerateEndToEndTest.picture(), "png", image.toFile());
    }

    private static JsonNode generate(Path cfg, String... sets) throws Exception {
        String[] args = {"generate", "--config", cfg.toString(), "--image", image.toString(), "--prompt", "Describe the image.", "--json",
                "--set", "generate.max_new_tokens=8"};
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(sets)).toArray(String[]::new);
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, all);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4", "int8_channel"})
    void theWrittenModelAnswersAsTheQuantizingLoad(String format) throws Exception {
        Path out = dir.resolve("q-" + format);
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "quantize", "--config", config.toString(), "--weights", format, "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("llm: ", "weights as " + format + " codes", "config: ");
        for (String part : new String[] {"vision", "llm"}) {
            assertThat(out.resolve(part).resolve("config.json")).exists();
            assertThat(out.resolve(part).resolve(".iris-cache")).doesNotExist();
            try (WeightSource w = Safetensors.open(out.resolve(part))) {
                assertThat(w).isInstanceOf(QuantizedSource.class);
                assertThat(w.metadata()).containsEntry(QuantizedSource.WEIGHTS_KEY, format);
            }
        }
        assertThat(out.resolve("llm/tokenizer.json")).exists();
        try (var beside = Files.list(dir)) {
            assertThat(beside.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));   // written aside, then renamed
        }
        assertThat(Files.readString(out.resolve("iris.yaml"))).contains("weights: " + format);

        JsonNode quantizing = generate(config, "--set", "runtime.weights=" + format);
        JsonNode saved = generate(out.resolve("iris.yaml"));
        assertThat(saved.get("prompt_ids")).isEqualTo(quantizing.get("prompt_ids"));
        assertThat(saved.get("generated_ids")).isEqualTo(quantizing.get("generated_ids"));
        // in another format the weights are read dequantized: it still runs
        assertThat(generate(out.resolve("iris.yaml"), "--set", "runtime.weights=fp32").get("generated_ids")).isNotEmpty();
    }

    @Test
    void refusesFp32AndAFolderInUse() throws Exception {
        IrisCliTest.Run fp32 = IrisCliTest.run(() -> REGISTRY, "quantize", "--config", config.toString(), "--weights", "fp32", "--out",
                dir.resolve("x").toString());
        assertThat(fp32.exitCode()).isEqualTo(1);
        assertThat(fp32.err()).contains("int8, int4 or int8_channel");
        Files.createDirectories(dir.resolve("used"));
        Files.writeString(dir.resolve("used/file"), "x");
        IrisCliTest.Run used = IrisCliTest.run(() -> REGISTRY, "quantize", "--config", config.toString(), "--weights", "int8", "--out",
                dir.resolve("used").toString());
        assertThat(used.exitCode()).isEqualTo(1);
        assertThat(used.err()).contains("is not empty");
        try (var left = Files.list(dir.resolve("used"))) {
            assertThat(left.count()).isEqualTo(1);   // left as it was
        }
    }
}
