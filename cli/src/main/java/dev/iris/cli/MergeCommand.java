package dev.iris.cli;

import dev.iris.api.tensor.DType;
import dev.iris.plugins.model.LoraMerge;
import dev.iris.plugins.model.MergeDType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Folds a LoRA adapter into its base language model. */
@Command(name = "merge", description = {
    "Fold a LoRA adapter (PEFT's layout: adapter_model.safetensors + adapter_config.json, as `iris train` with train.lora writes",
    "in RUN/final) into its base language model: W' = W + (lora_alpha / r) B A for every adapted module.",
    "Writes a loadable Hugging Face model folder: model.safetensors (the model's own names; each tensor in the base's dtype,",
    "or --dtype) and the base folder's other files (config.json with torch_dtype set to what was written, tokenizer files)",
    "copied; point model.llm.path at it."})
final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "The adapter folder (e.g. runs/lora/final).")
    Path adapter;

    @Option(names = "--base", paramLabel = "DIR", description = "The base model folder (default: the adapter's base_model_name_or_path).")
    Path base;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "The merged model folder to write (must not exist or be empty).")
    Path output;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = MergeDType.AUTO, description = {
        "auto, float32, bfloat16 or float16: the dtype of the written floating tensors (default: auto, each tensor's own",
        "dtype in the base; merged weights are computed in float32 and rounded to nearest even into it)."})
    String dtype;

    @Override
    public Integer call() {
        Optional<DType> as = MergeDType.parse(dtype);
        long t0 = System.nanoTime();
        LoraMerge.Result r = LoraMerge.merge(adapter, base, output, as);
        PrintWriter out = spec.commandLine().getOut();
        String dtypes = r.dtypes().stream().map(MergeDType::torchName).collect(Collectors.joining(" and "));
        out.printf("merged %d adapted modules into %d tensors (%s): %s (%.1f s)%n", r.modules().size(), r.tensors(), dtypes, r.output(),
                (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }
}
