package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.fusion.weights} and {@code model.llm.weights} are checked against the names the
 * parts bind when the model is created: a wrong file is an error naming what is missing and what
 * the file holds, never a part that quietly starts from random weights. Files are written with
 * the project's writer next to a tiny model made by {@code iris init}.
 */
class ModelPartsWeightsTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    @TempDir
    static Path dir;
    private static Map<String, Map<String, long[]>> projector;   // shapes by group, projector config
    private static Map<String, Map<String, long[]>> crossattn;   // shapes by group, crossattn after every layer

    @BeforeAll
    static void tinyModel() {
        ModelInit.write(REGISTRY, "tiny", dir.resolve("models"), 0);
        projector = shapes(config());
        crossattn = shapes(config("model.fusion={type: crossattn, every: 1, intermediate: 64}"));
    }

    private static IrisConfig config(String... overrides) {
        String yaml = """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                runtime: { device: cpu, threads: 1 }
                """;
        return new ConfigLoader().parse(yaml, "test.yaml", dir, List.of(overrides));
    }

    private static Map<String, Map<String, long[]>> shapes(IrisConfig cfg) {
        try (ModelParts parts = ModelParts.create(cfg, REGISTRY)) {
            return PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion());
        }
    }

    /** Seeded tensors of the given shapes, each renamed, in a file the project's writer makes. */
    private static Path write(String file, Map<String, long[]> shapes, UnaryOperator<String> rename, Map<String, String> metadata) {
        SplittableRandom random = new SplittableRandom(file.hashCode());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> tensors.put(rename.apply(name), ModelInit.randomTensor(name, shape, random)));
        Path path = dir.resolve(file);
        SafetensorsWriter.write(path, tensors, DType.F32, metadata);
        return path;
    }

    private static Map<String, long[]> with(Map<String, long[]> a, Map<String, long[]> b) {
        Map<String, long[]> out = new LinkedHashMap<>(a);
        out.putAll(b);
        return out;
    }

    private static ModelParts load(String... overrides) {
        return ModelParts.create(config(overrides), REGISTRY);
    }

    // ---------------------------------------------------------------- model.fusion.weights

    @Test
    void huggingFaceLlavaNamesLoadAsTheProjectorsLinear1AndLinear2() {
        Map<String, long[]> whole = new LinkedHashMap<>();
        projector.get("fusion").forEach((n, s) -> whole.put("multi_modal_projector." + n.replace("linear1", "linear_1").replace("linear2", "linear_2"), s));
        whole.put("vision_tower.vision_model.post_layernorm.weight", new long[] {4});
        whole.put("language_model.model.norm.weight", new long[] {4});
        Path file = write("llava.safetensors", whole, n -> n, Map.of());
        try (ModelParts parts = load("model.fusion.weights=" + file); WeightSource raw = dev.iris.runtime.safetensors.Safetensors.open(file)) {
            WeightSource fusion = parts.sources().get("fusion");
            assertThat(fusion.names()).containsExactlyInAnyOrderElementsOf(projector.get("fusion").keySet());
            assertThat(fusion.read("linear2.bias").toFloats()).containsExactly(raw.read("multi_modal_projector.linear_2.bias").toFloats());
            assertThat(fusion.describe()).contains("Hugging Face LLaVA", "multi_modal_projector.");
        }
    }

    @Test
    void aFileForAnotherModelSizeFailsAtLoadNamingTheShapes() {
        // LLaVA's names, but a projector for other widths: refused when the model is created, not at the first image
        Map<String, long[]> other = new LinkedHashMap<>();
        projector.get("fusion").forEach((n, s) -> other.put("multi_modal_projector." + n.replace("linear1", "linear_1").replace("linear2", "linear_2"),
                n.endsWith("bias") ? new long[] {s[0] + 1} : new long[] {s[0] + 1, s[1]}));
        Path file = write("llava-other-size.safetensors", other, n -> n, Map.of());
        long[] w1 = projector.get("fusion").get("linear1.weight");
        assertThatThrownBy(() -> load("model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessage("weight linear1.weight in " + file + " (tensors under multi_modal_projector. in the Hugging Face LLaVA"
                        + " (multi_modal_projector.linear_1, linear_2) naming) has shape [" + (w1[0] + 1) + ", " + w1[1]
                        + "], the model expects [" + w1[0] + ", " + w1[1] + "]");
        Path llm = write("llm-other-size.safetensors", Map.of("model.norm.weight", new long[] {3}), n -> n, Map.of());
        assertThatThrownBy(() -> load("model.llm.weights=" + llm))
                .isInstanceOf(WeightException.class)
                .hasMessage("weight model.norm.weight in " + llm + " has shape [3], the model expects " + java.util.Arrays.toString(
                        projector.get("llm").get("model.norm.weight")));
    }

    @Test
    void aTrainingCheckpointOfTheWholeModelServesTheProjectorUnderItsPrefix() {
        // the PyTorch tutorial's checkpoints: vision_model.*, llm_model.* and the projector, here under projector.
        Map<String, long[]> whole = new LinkedHashMap<>();
        whole.put("vision_model.embeddings.patch_embedding.weight", new long[] {2});
        whole.put("llm_model.model.embed_tokens.weight", new long[] {2});
        projector.get("fusion").forEach((n, s) -> whole.put("projector." + n, s));
        Path file = write("tutorial.safetensors", whole, n -> n, Map.of());
        try (ModelParts parts = load("model.fusion.weights=" + file)) {
            assertThat(parts.sources().get("fusion").names()).containsExactlyInAnyOrderElementsOf(projector.get("fusion").keySet());
            assertThat(parts.sources().get("fusion").origin("linear1.weight")).isEqualTo(file + " (tensors under projector.)");
        }
    }

    @Test
    void aCrossattnCheckpointUnderAProjectorConfigNamesBothTypes() {
        Path file = write("b.safetensors", crossattn.get("fusion"), n -> n, Map.of("iris.fusion", "crossattn", "iris.stage", "pretrain"));
        assertThatThrownBy(() -> load("model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessage(file + " (model.fusion.weights): written by `iris train` for a crossattn fusion (iris.fusion=crossattn), but"
                        + " model.fusion.type is projector; set model.fusion.type: crossattn with that run's fusion settings, or give a"
                        + " projector checkpoint");
    }

    @Test
    void aFileWithOtherNamesIsAnErrorNamingWhatIsMissingAndWhatItHolds() {
        // crossattn's tensors without Iris's metadata: nothing tells the type, the names must
        Path file = write("other.safetensors", crossattn.get("fusion"), n -> n, Map.of());
        assertThatThrownBy(() -> load("model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith(file + " (model.fusion.weights): the projector fusion needs 4 tensors and 4 of them are not in the file:"
                        + " linear1.bias, linear1.weight, linear2.bias, linear2.weight; the file holds " + crossattn.get("fusion").size()
                        + " tensors: blocks.0.cross_attn.k_norm.weight,")
                .hasMessageContaining("more)")
                .hasMessageContaining("(names accepted: its own, the Hugging Face LLaVA (multi_modal_projector.linear_1, linear_2) naming, under any prefix)");
    }

    @Test
    void aProjectorFileMissingOneTensorIsAnErrorNotAnInitialisedTensor() {
        Map<String, long[]> some = new LinkedHashMap<>(projector.get("fusion"));
        some.remove("linear2.bias");
        Path file = write("partial.safetensors", some, n -> n, Map.of());
        assertThatThrownBy(() -> load("model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith(file + " (model.fusion.weights): the projector fusion needs 4 tensors and 1 of them are not in the"
                        + " file: linear2.bias; the file holds 3 tensors: linear1.bias, linear1.weight, linear2.weight; closest: its own names"
                        + " holds 3 of the 4");
    }

    @Test
    void theLanguageModelsFileGivenAsFusionWeightsIsRecognised() {
        Path file = write("llm-as-fusion.safetensors", projector.get("llm"), n -> n, Map.of("iris.fusion", "projector", "iris.stage", "finetune"));
        assertThatThrownBy(() -> load("model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageContaining("the projector fusion needs 4 tensors and 4 of them are not in the file")
                .hasMessageEndingWith("are named as the qwen2 language model's (model.embed_tokens.weight, "
                        + "model.layers.0.input_layernorm.weight, model.layers.0.mlp.down_proj.weight, model.layers.0.mlp.gate_proj.weight, "
                        + "model.layers.0.mlp.up_proj.weight, model.layers.0.post_attention_layernorm.weight (and " + (projector.get("llm").size() - 6) + " more)): is it meant for model.llm.weights?");
    }

    @Test
    void anIrisCheckpointHoldingTensorsThisFusionDoesNotUseIsAnError() {
        // trained with a block after every layer, loaded with one block only: the others would be dropped
        Path file = write("b-every.safetensors", crossattn.get("fusion"), n -> n, Map.of("iris.fusion", "crossattn"));
        assertThatThrownBy(() -> load("model.fusion={type: crossattn, layers: [0], intermediate: 64}", "model.fusion.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith(file + " (model.fusion.weights): holds ")
                .hasMessageContaining("tensor(s) the crossattn fusion does not use: blocks.1.");
        try (ModelParts parts = load("model.fusion={type: crossattn, every: 1, intermediate: 64}", "model.fusion.weights=" + file)) {
            assertThat(parts.sources().get("fusion").names()).containsExactlyInAnyOrderElementsOf(crossattn.get("fusion").keySet());
        }
    }

    // ---------------------------------------------------------------- model.llm.weights

    @Test
    void aSubsetOfTheLanguageModelFromElsewhereOverridesThoseTensorsOnly() {
        Path file = write("llm-part.safetensors", Map.of("model.norm.weight", projector.get("llm").get("model.norm.weight")),
                n -> n, Map.of());
        try (ModelParts parts = load("model.llm.weights=" + file)) {
            WeightSource llm = parts.sources().get("llm");
            assertThat(llm.origin("model.norm.weight")).isEqualTo(file.toString());
            assertThat(llm.origin("model.embed_tokens.weight")).isEqualTo(dir.resolve("models/llm/model.safetensors").toString());
        }
    }

    @Test
    void aLanguageModelFileWithNamesTheModelDoesNotBindIsAnError() {
        Map<String, long[]> shapes = new LinkedHashMap<>(projector.get("llm"));
        shapes.put("model.layers.9.mlp.up_proj.weight", new long[] {2, 2});
        Path file = write("llm-extra.safetensors", shapes, n -> n, Map.of());
        assertThatThrownBy(() -> load("model.llm.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageStartingWith(file + " (model.llm.weights): holds 1 of its " + shapes.size() + " tensors under names the qwen2"
                        + " language model does not bind: model.layers.9.mlp.up_proj.weight; the qwen2 language model binds "
                        + projector.get("llm").size() + " tensors such as model.embed_tokens.weight,");
    }

    @Test
    void aFusionFileGivenAsLanguageModelWeightsIsRecognised() {
        Path file = write("fusion-as-llm.safetensors", projector.get("fusion"), n -> n, Map.of("iris.fusion", "projector", "iris.stage", "pretrain"));
        assertThatThrownBy(() -> load("model.llm.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessageContaining("holds 4 of its 4 tensors under names the qwen2 language model does not bind")
                .hasMessageEndingWith("; 4 of its tensors are named as the projector fusion's (linear1.bias, linear1.weight, linear2.bias,"
                        + " linear2.weight): is it meant for model.fusion.weights?");
    }

    @Test
    void aLanguageModelFileWrittenByIrisTrainMustHoldEveryTensor() {
        Map<String, long[]> some = new LinkedHashMap<>(projector.get("llm"));
        some.remove("model.norm.weight");
        Path file = write("llm-stage2.safetensors", some, n -> n, Map.of("iris.fusion", "projector", "iris.stage", "finetune"));
        assertThatThrownBy(() -> load("model.llm.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessage(file + " (model.llm.weights): it was written by `iris train` (iris.stage=finetune), which trains every tensor"
                        + " of the language model, so it must hold every tensor of the qwen2 language model, but 1 of "
                        + projector.get("llm").size() + " are missing: model.norm.weight; the file holds " + some.size()
                        + " tensors: " + dev.iris.runtime.weights.PartCheckpoint.few(some.keySet()));
        Path whole = write("llm-stage2-whole.safetensors", projector.get("llm"), n -> n, Map.of("iris.stage", "finetune"));
        try (ModelParts parts = load("model.llm.weights=" + whole)) {
            assertThat(parts.sources().get("llm").origin("model.embed_tokens.weight")).isEqualTo(whole.toString());
        }
    }

    @Test
    void anEmptyLanguageModelFileIsAnError() {
        Path file = write("empty.safetensors", Map.of(), n -> n, Map.of());
        assertThatThrownBy(() -> load("model.llm.weights=" + file))
                .isInstanceOf(WeightException.class)
                .hasMessage(file + " (model.llm.weights): holds no tensors");
    }

    // ---------------------------------------------------------------- non-finite weights

    @Test
    void aNaNInTheFusionWeightsStopsGenerationNamingTensorFileAndElement() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        projector.get("fusion").forEach((n, s) -> tensors.put(n, ModelInit.randomTensor(n, s, random)));
        tensors.get("linear1.weight").data().putFloat(4 * 17, Float.NaN);
        Path file = dir.resolve("nan.safetensors");
        SafetensorsWriter.write(file, tensors, DType.BF16, Map.of());
        GenerateConfig greedy = GenerateConfig.defaults().withMaxNewTokens(4);
        try (VisionLanguageModel m = VisionLanguageModel.load(config("model.fusion.weights=" + file), REGISTRY)) {
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(image, "png", png);
            assertThatThrownBy(() -> m.generate(Optional.of(png.toByteArray()), "img", "Describe the image.", greedy, s -> {}))
                    .isInstanceOf(WeightException.class)
                    .hasMessageStartingWith("weight linear1.weight in " + file + " holds a non-finite value: element 17 of ")
                    .hasMessageContaining(" is NaN");
        }
    }
}
