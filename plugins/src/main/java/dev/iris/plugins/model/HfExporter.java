package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightNaming;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code iris export --format hf}: the model's trained parts in Hugging Face names, for
 * transformers and llama.cpp's converters. {@value #LLM}: the language model as a model folder
 * in its family's own names (the folder's tensors with {@code model.llm.weights} over them and a
 * {@code model.llm.adapter} folded in), its other files copied; {@value #FUSION}: the fusion's
 * tensors (when {@code model.fusion.weights} is given) in the first naming the fusion declares
 * (the projector: LLaVA's {@code multi_modal_projector.linear_1/linear_2}), else in Iris's names.
 * The vision encoder is frozen: its folder is the model as downloaded and is not copied.
 */
public final class HfExporter {
    public static final String LLM = "llm", FUSION = "fusion.safetensors";
    /** Metadata keys of the fusion file: the fusion type, and the naming its tensors are in. */
    public static final String NAMING_KEY = "iris.naming";

    /**
     * What was written: the folder, the language model's tensor count and the modules an adapter
     * folded in, the fusion's tensor count and naming (empty when {@code model.fusion.weights} is not set).
     */
    public record Written(Path folder, int llmTensors, List<String> foldedModules, int fusionTensors, Optional<String> fusionNaming) {}

    private HfExporter() {}

    /** Writes the parts of {@code parts} (created from {@code config}) into {@code out}, which must not exist or be empty. */
    public static Written export(IrisConfig config, ModelParts parts, Path out) {
        Written w = ModelFolders.writeNew(out, "--out", tmp -> write(config, parts, tmp));
        return new Written(out, w.llmTensors(), w.foldedModules(), w.fusionTensors(), w.fusionNaming());
    }

    private static Written write(IrisConfig config, ModelParts parts, Path out) throws IOException {
        Path llmFolder = out.resolve(LLM);
        Files.createDirectories(llmFolder);
        WeightSource llm = parts.sources().get("llm");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String n : new TreeSet<>(llm.names())) tensors.put(n, llm.read(n));
        List<String> folded = List.of();
        if (parts.adapter().isPresent()) {
            PeftAdapter a = parts.adapter().get();
            for (String m : a.modules()) {
                String key = m + ".weight";
                Tensor w = tensors.get(key);
                if (w == null) throw new IrisException("model.llm.adapter adapts " + m + " but the language model has no tensor " + key);
                tensors.put(key, LoraMerge.folded(w, a.weights().get(m + LoraRewrite.A), a.weights().get(m + LoraRewrite.B), a.spec().scale(), key));
            }
            folded = a.modules();
        }
        SafetensorsWriter.write(llmFolder.resolve(Safetensors.SINGLE_FILE), tensors, DType.F32, Map.of("format", "pt"));
        ModelFolders.copyOtherFiles(ModelParts.folderOf(config.llm()), llmFolder);

        if (parts.fusionWeightsFile().isEmpty()) return new Written(out, tensors.size(), folded, 0, Optional.empty());
        WeightSource fusion = parts.sources().get("fusion");
        Optional<WeightNaming> naming = parts.fusion().weightNamings().stream().findFirst();
        Map<String, Tensor> f = new LinkedHashMap<>();
        for (String n : PartWeightNames.shapes(parts.vision(), parts.llm(), parts.fusion()).get("fusion").keySet()) {
            f.put(naming.map(x -> x.exportName(n)).orElse(n), fusion.read(n));
        }
        String namingName = naming.map(WeightNaming::description).orElse("Iris (the fusion declares no other naming)");
        SafetensorsWriter.write(out.resolve(FUSION), f, DType.F32,
                Map.of("format", "pt", ModelParts.FUSION_TYPE_KEY, parts.fusionType(), NAMING_KEY, namingName));
        return new Written(out, tensors.size(), folded, f.size(), Optional.of(namingName));
    }
}
