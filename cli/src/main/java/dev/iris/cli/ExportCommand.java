package dev.iris.cli;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.HfExporter;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.OnnxExporter;
import dev.iris.plugins.model.VisionLanguageModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes a model for use outside Iris: ONNX files any ONNX Runtime runs, or the trained parts in Hugging Face names. */
@Command(name = "export", description = {
    "Export a model for use elsewhere, into OUT (must not exist or be empty):",
    "--format onnx: image.onnx, language.onnx (prefill and decode with a KV cache) and, for a fusion that reads the image at",
    "every step, text.onnx; float32 weights as standard ONNX external data in weights.data; the tokenizer files,",
    "preprocessor_config.json, and iris-onnx.json (inputs, outputs, how to feed them, image processor, chat template).",
    "--format hf: OUT/llm (the language model in its own Hugging Face names, model.llm.weights and a model.llm.adapter",
    "folded in, its folder's other files copied) and OUT/fusion.safetensors (the fusion's trained tensors in the first",
    "naming its plugin declares for another project, else Iris's; written when model.fusion.weights is set)."})
final class ExportCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "onnx or hf.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() {
        String f = format.strip().toLowerCase(Locale.ROOT);
        if (!f.equals("onnx") && !f.equals("hf")) throw new IrisException("--format " + format + ": iris export writes onnx or hf");
        IrisConfig cfg = config.loadChecked(parent::registry);
        long t0 = System.nanoTime();
        PrintWriter console = spec.commandLine().getOut();
        if (f.equals("onnx")) {
            try (VisionLanguageModel model = VisionLanguageModel.load(cfg, parent.registry())) {
                OnnxExporter.Written w = OnnxExporter.export(cfg, model, out);
                console.printf("onnx: %s (%d weights, %.1f MB in %s)%n", String.join(", ", w.files()), w.weights(), w.weightBytes() / 1e6,
                        OnnxExporter.WEIGHTS);
            }
        } else {
            try (ModelParts parts = ModelParts.create(cfg, parent.registry())) {
                HfExporter.Written w = HfExporter.export(cfg, parts, out);
                console.printf("llm: %d tensors in %s/%s%s%n", w.llmTensors(), HfExporter.LLM, "model.safetensors",
                        w.foldedModules().isEmpty() ? "" : " (adapter folded into " + w.foldedModules().size() + " modules)");
                console.println(w.fusionNaming().isPresent()
                        ? "fusion: " + w.fusionTensors() + " tensors in " + HfExporter.FUSION + ", named as " + w.fusionNaming().get()
                        : "fusion: not written (model.fusion.weights is not set: the fusion is untrained)");
            }
        }
        console.printf("written: %s (%.1f s)%n", out, (System.nanoTime() - t0) / 1e9);
        console.flush();
        return 0;
    }
}
