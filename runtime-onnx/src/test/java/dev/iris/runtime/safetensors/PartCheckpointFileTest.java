package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.RawSafetensors.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightNaming;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.PartCheckpoint;
import dev.iris.runtime.weights.PartNeeds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A part's tensors found in byte-built files (written without the project's writer) by name, naming and prefix. */
class PartCheckpointFileTest {
    private static final WeightNaming LLAVA = new WeightNaming("LLaVA", Map.of("linear1.weight", "linear_1.weight", "linear1.bias", "linear_1.bias"));
    private static final PartNeeds PROJECTOR = new PartNeeds("projector fusion", "model.fusion.weights",
            Set.of("linear1.weight", "linear1.bias"), List.of(LLAVA));
    private static final PartNeeds LLM = new PartNeeds("qwen2 language model", "model.llm.weights",
            Set.of("model.norm.weight", "model.embed_tokens.weight"), List.of());

    @TempDir
    Path dir;

    @Test
    void llavaNamesUnderTheirPrefixServeTheProjector() throws IOException {
        Path file = new RawSafetensors()
                .tensor("language_model.model.norm.weight", "F32", "[1]", floats(9))
                .tensor("multi_modal_projector.linear_1.weight", "F32", "[2]", floats(1, 2))
                .tensor("multi_modal_projector.linear_1.bias", "BF16", "[1]", RawSafetensors.shorts(0x3F80))
                .write(dir.resolve("llava.safetensors"));
        try (WeightSource view = PartCheckpoint.resolve(SafetensorsFile.open(file), PROJECTOR, false, List.of(LLM))) {
            assertThat(view.read("linear1.weight").toFloats()).containsExactly(1f, 2f);
            assertThat(view.read("linear1.bias").toFloats()).containsExactly(1f);
            assertThat(view.origin("linear1.bias")).isEqualTo(file + " (tensors under multi_modal_projector. in the LLaVA naming)");
        }
    }

    @Test
    void aFileMissingATensorNamesItWhatTheFileHoldsAndWhoseNamesTheyAre() throws IOException {
        Path file = new RawSafetensors()
                .tensor("model.norm.weight", "F32", "[1]", floats(9))
                .tensor("model.embed_tokens.weight", "F32", "[1]", floats(9))
                .tensor("linear1.weight", "F32", "[2]", floats(1, 2))
                .write(dir.resolve("mixed.safetensors"));
        try (WeightSource f = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> PartCheckpoint.resolve(f, PROJECTOR, false, List.of(LLM)))
                    .isInstanceOf(WeightException.class)
                    .hasMessage(file + " (model.fusion.weights): the projector fusion needs 2 tensors and 1 of them are not in the file:"
                            + " linear1.bias; the file holds 3 tensors: linear1.weight, model.embed_tokens.weight, model.norm.weight;"
                            + " closest: its own names holds 1 of the 2 (names accepted: its own, the LLaVA naming, under any prefix);"
                            + " 2 of its tensors are named as the qwen2 language model's (model.embed_tokens.weight, model.norm.weight):"
                            + " is it meant for model.llm.weights?");
        }
    }
}
