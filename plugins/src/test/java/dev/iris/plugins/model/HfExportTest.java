package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iris export --format hf} read back: the projector's tensors under LLaVA's names, the
 * language model in its own names with a LoRA adapter folded in, and the exported files loaded
 * as a model answer as the model they came from.
 */
class HfExportTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final GenerateConfig GREEDY = new GenerateConfig(Optional.empty(), 10, 0.0, 0, 1.0, 1.0, 0);

    @TempDir
    Path dir;

    @Test
    void theProjectorInLlavaNamesAndTheMergedLanguageModelLoadBackAndAnswerAlike() throws Exception {
        Path yaml = ModelInit.write(REGISTRY, "tiny", dir.resolve("model"), 0).config();
        IrisConfig base = IrisConfig.load(yaml, List.of());
        Path fusion = randomFusion(base);
        Path adapter = randomAdapter(base);
        IrisConfig trained = IrisConfig.load(yaml, List.of("model.fusion.weights=" + fusion, "model.llm.adapter=" + adapter));
        Path out = dir.resolve("hf");
        long[] before;
        HfExporter.Written w;
        try (VisionLanguageModel model = VisionLanguageModel.load(trained, REGISTRY)) {
            before = answer(model);
            w = HfExporter.export(trained, model.parts(), out);
        }
        assertThat(w.foldedModules()).isNotEmpty();
        assertThat(w.fusionNaming()).hasValueSatisfying(n -> assertThat(n).contains("LLaVA"));
        try (WeightSource written = Safetensors.open(out.resolve(HfExporter.FUSION)); WeightSource original = Safetensors.open(fusion)) {
            assertThat(written.names()).containsExactlyInAnyOrder("multi_modal_projector.linear_1.weight", "multi_modal_projector.linear_1.bias",
                    "multi_modal_projector.linear_2.weight", "multi_modal_projector.linear_2.bias");
            assertThat(written.read("multi_modal_projector.linear_2.weight").toFloats()).containsExactly(original.read("linear2.weight").toFloats());
            assertThat(written.metadata()).containsEntry(ModelParts.FUSION_TYPE_KEY, "projector");
        }
        assertThat(out.resolve("llm/config.json")).exists();
        assertThat(out.resolve("llm/tokenizer.json")).exists();
        try (WeightSource llm = Safetensors.open(out.resolve("llm")); WeightSource baseLlm = Safetensors.open(dir.resolve("model/llm"))) {
            assertThat(llm.names()).isEqualTo(baseLlm.names());   // the family's own names, every tensor
            String adapted = w.foldedModules().get(0) + ".weight";
            assertThat(llm.read(adapted).toFloats()).isNotEqualTo(baseLlm.read(adapted).toFloats());
        }

        // the exported files as a model: no adapter, the merged folder, the LLaVA-named projector
        IrisConfig reloaded = IrisConfig.load(yaml, List.of("model.fusion.weights=" + out.resolve(HfExporter.FUSION),
                "model.llm.path=" + out.resolve("llm")));
        try (VisionLanguageModel model = VisionLanguageModel.load(reloaded, REGISTRY)) {
            assertThat(answer(model)).containsExactly(before);
        }
    }

    @Test
    void trainedTensorsKeepTheirNamesWithoutAForeignNamingAndAnUntrainedFusionIsNotWritten() throws Exception {
        Path yaml = ModelInit.write(REGISTRY, "tiny-crossattn", dir.resolve("model"), 0).config();
        IrisConfig base = IrisConfig.load(yaml, List.of());
        Path fusion = randomFusion(base);
        // trained language-model tensors over the folder's (model.llm.weights): the export holds them
        String trainedName;
        Tensor trainedTensor;
        try (ModelParts parts = ModelParts.create(base, REGISTRY)) {
            Map.Entry<String, long[]> first = PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion()).get("llm").entrySet().iterator().next();
            trainedName = first.getKey();
            trainedTensor = random(new Random(9), 0.2, first.getValue());
        }
        Path llmWeights = dir.resolve("llm-trained.safetensors");
        SafetensorsWriter.write(llmWeights, Map.of(trainedName, trainedTensor), DType.F32);
        IrisConfig trained = IrisConfig.load(yaml, List.of("model.fusion.weights=" + fusion, "model.llm.weights=" + llmWeights));
        try (ModelParts parts = ModelParts.create(trained, REGISTRY)) {
            HfExporter.Written w = HfExporter.export(trained, parts, dir.resolve("hf"));
            assertThat(w.fusionNaming()).hasValueSatisfying(n -> assertThat(n).startsWith("Iris"));
            assertThat(w.foldedModules()).isEmpty();
        }
        try (WeightSource written = Safetensors.open(dir.resolve("hf").resolve(HfExporter.FUSION)); WeightSource original = Safetensors.open(fusion)) {
            assertThat(written.names()).isEqualTo(original.names());
        }
        try (WeightSource llm = Safetensors.open(dir.resolve("hf/llm")); WeightSource folder = Safetensors.open(dir.resolve("model/llm"))) {
            assertThat(llm.read(trainedName).toFloats()).containsExactly(trainedTensor.toFloats());
            assertThat(llm.names()).isEqualTo(folder.names());
        }
        try (ModelParts parts = ModelParts.create(base, REGISTRY)) {
            HfExporter.Written w = HfExporter.export(base, parts, dir.resolve("hf-untrained"));
            assertThat(w.fusionTensors()).isZero();
            assertThat(w.fusionNaming()).isEmpty();
        }
        assertThat(dir.resolve("hf-untrained").resolve(HfExporter.FUSION)).doesNotExist();
        assertThat(dir.resolve("hf-untrained/llm/model.safetensors")).exists();
    }

    private static long[] answer(VisionLanguageModel model) throws Exception {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(2);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, rnd.nextInt(0xffffff));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return model.generate(Optional.of(b.toByteArray()), "img.png", "What is it?", GREEDY, s -> {}).generatedIds();
    }

    /** Random fusion weights in Iris's names. */
    private Path randomFusion(IrisConfig cfg) {
        Path file = dir.resolve("fusion-in.safetensors");
        try (ModelParts parts = ModelParts.create(cfg, REGISTRY)) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            Random rnd = new Random(7);
            PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion()).get("fusion").forEach((n, s) -> t.put(n, random(rnd, 0.5, s)));
            SafetensorsWriter.write(file, t, DType.F32);
        }
        return file;
    }

    /** A PEFT-layout LoRA adapter with random A and B over the language model's attention projections. */
    private Path randomAdapter(IrisConfig cfg) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("adapter"));
        LoraRewrite.Spec spec = new LoraRewrite.Spec(4, 8, List.of("q_proj", "v_proj"));
        Map<String, Tensor> t = new LinkedHashMap<>();
        Random rnd = new Random(3);
        try (ModelParts parts = ModelParts.create(cfg, REGISTRY); WeightSource llm = Safetensors.open(dir.resolve("model/llm"))) {
            List<String> modules = new ArrayList<>();
            for (LoraRewrite.Module m : LoraRewrite.apply(InferenceGraphs.language(parts, true), "llm", spec).modules()) modules.add(m.name());
            for (String m : modules) {
                long[] w = llm.info(m + ".weight").orElseThrow().shape();
                t.put(PeftAdapter.peftKey(m + LoraRewrite.A), random(rnd, 0.3, spec.rank(), w[1]));
                t.put(PeftAdapter.peftKey(m + LoraRewrite.B), random(rnd, 0.3, w[0], spec.rank()));
            }
        }
        SafetensorsWriter.write(folder.resolve(PeftAdapter.WEIGHTS), t, DType.F32, Map.of("format", "pt"));
        Files.writeString(folder.resolve(PeftAdapter.CONFIG), PeftAdapter.configJson(spec, 0.0, dir.resolve("model/llm").toString()));
        return folder;
    }

    private static Tensor random(Random rnd, double std, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return Tensor.ofFloats(v, shape);
    }
}
