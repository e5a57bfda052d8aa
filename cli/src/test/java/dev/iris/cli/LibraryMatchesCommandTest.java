package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.vlm.Answer;
import dev.iris.vlm.Image;
import dev.iris.vlm.Iris;
import dev.iris.vlm.IrisModel;
import dev.iris.vlm.Options;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The library (dev.iris.vlm) and `iris generate` give the same prompt and the same greedy ids, for both fusion architectures. */
class LibraryMatchesCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "tiny-crossattn"})
    void theLibraryAnswersAsTheCommandDoes(String preset) throws Exception {
        Path config = Iris.init(preset, dir.resolve(preset));
        Path image = dir.resolve("circle.png");
        ImageIO.write(GenerateEndToEndTest.picture(), "png", image.toFile());

        IrisCliTest.Run r = IrisCliTest.run("generate", "--config", config.toString(), "--image", image.toString(),
                "--prompt", "Describe the image.", "--json", "--set", "generate.max_new_tokens=8");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());

        try (IrisModel model = Iris.load(config)) {
            Answer a = model.generate("Describe the image.", Image.of(image), Options.builder().maxNewTokens(8).build());
            assertThat(a.promptIds()).containsExactly(ids(json.get("prompt_ids")));
            assertThat(a.generatedIds()).containsExactly(ids(json.get("generated_ids")));
            assertThat(a.text()).isEqualTo(json.get("text").asText());
            assertThat(a.stopReason().name().toLowerCase()).isEqualTo(json.get("stop_reason").asText());
        }
    }

    private static long[] ids(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToLong(JsonNode::asLong).toArray();
    }
}
