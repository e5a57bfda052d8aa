package dev.iris.cli;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.ModelFolders;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.session.QuantizedExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes a model with its linear layers quantized once, so later loads read the codes instead of quantizing. */
@Command(name = "quantize", description = {
    "Quantize a model's linear layers once (int8, int4 or int8_channel, as runtime.weights) and write it to OUT:",
    "OUT/vision and OUT/llm (the part folders with model.safetensors holding W#codes and W#scales for each quantized",
    "weight, the other tensors as float32, and the folders' other files copied), OUT/fusion.safetensors (when the config",
    "gives fusion weights) and OUT/iris.yaml (model, runtime with runtime.weights set, generate). Loading it in the same",
    "format reads the codes as stored; in another format it reads the weights dequantized."})
final class QuantizeCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--weights", required = true, paramLabel = "FORMAT", description = "int8, int4 or int8_channel.")
    String weights;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write (must not exist or be empty).")
    Path out;

    /** The parts written as folders: their config section's {@code path} is a model folder. */
    static final List<String> PARTS = List.of("vision", "llm");

    @Override
    public Integer call() throws IOException {
        Quantization q = Quantization.parse(weights);
        if (!q.enabled()) throw new IrisException("--weights " + weights + ": iris quantize writes int8, int4 or int8_channel");
        IrisConfig cfg = config.loadChecked(parent::registry, "runtime.weights=" + q.spec());
        if (cfg.llm().has("adapter")) {
            throw new IrisException("model.llm.adapter is set: fold the adapter into the model first (iris merge), then quantize the merged folder");
        }
        long t0 = System.nanoTime();
        PrintWriter console = spec.commandLine().getOut();
        // written beside OUT and renamed at the end: a failure leaves no half-written model under OUT's name
        ModelFolders.writeNew(out, "--out", tmp -> {
            write(cfg, q, tmp, console);
            return tmp;
        });
        console.printf("config: %s (%.1f s)%n", out.resolve("iris.yaml"), (System.nanoTime() - t0) / 1e9);
        console.flush();
        return 0;
    }

    private void write(IrisConfig cfg, Quantization q, Path out, PrintWriter console) throws IOException {
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, parent.registry())) {
            if (!model.sessions().cache().enabled()) {
                throw new IrisException("the weight cache is off (IRIS_WEIGHT_CACHE=off): iris quantize writes the codes the sessions read from it");
            }
            model.prepare();   // opens every session in the format: the weight cache then holds each quantized weight's codes
            Files.createDirectories(out);
            for (String part : PARTS) {
                ComponentConfig section = cfg.section("model." + part);
                Path folder = out.resolve(part);
                Files.createDirectories(folder);
                Path from = section.path("path");
                if (!Files.isDirectory(from)) throw new IrisException(from + ": iris quantize needs a model folder here, not a file");
                ModelFolders.copyOtherFiles(from, folder);
                QuantizedExport.Written w = QuantizedExport.write(model.sessions(), q, part, model.parts().sources().get(part),
                        folder.resolve(Safetensors.SINGLE_FILE));
                console.printf("%s: %d weights as %s codes, %d tensors as float32 (%s/%s)%n", part, w.quantized(), q.spec(), w.floats(), part,
                        Safetensors.SINGLE_FILE);
            }
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("vision", withPath(cfg.vision(), "path", "vision"));
        Map<String, Object> llm = withPath(cfg.llm(), "path", "llm");
        llm.remove("weights");   // the language model's trained tensors are in OUT/llm now
        model.put("llm", llm);
        Map<String, Object> fusion = new LinkedHashMap<>(cfg.fusion().values());
        if (cfg.fusion().has("weights")) {
            Files.copy(cfg.fusion().path("weights"), out.resolve("fusion.safetensors"));
            fusion.put("weights", "fusion.safetensors");
        }
        model.put("fusion", fusion);
        Map<String, Object> runtime = new LinkedHashMap<>();
        runtime.put("device", cfg.runtime().device().toString());
        runtime.put("threads", cfg.runtime().threads());
        runtime.put("weights", q.spec());
        Map<String, Object> generate = new LinkedHashMap<>(cfg.generate().values());
        generate.values().removeIf(v -> v == null);
        IrisConfig written = IrisConfig.empty("iris quantize", out).edit().set("model", model).set("runtime", runtime)
                .set("generate", generate).done();
        Files.writeString(out.resolve("iris.yaml"), "# written by `iris quantize --weights " + q.spec() + "` from " + config.file() + "\n" + written.toYaml());
    }

    /** A plugin section's values with one path field pointing at a folder of OUT (relative: OUT/iris.yaml resolves it). */
    private static Map<String, Object> withPath(ComponentConfig section, String field, String relative) {
        Map<String, Object> m = new LinkedHashMap<>(section.values());
        m.put(field, relative);
        return m;
    }
}
