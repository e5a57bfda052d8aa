package dev.iris.cli;

import dev.iris.plugins.model.LoraMerge;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Folds a LoRA adapter into its base language model. */
@Command(name = "merge", description = {
    "Fold a LoRA adapter (PEFT's layout: adapter_model.safetensors + adapter_config.json, as `iris train` with train.lora writes",
    "in RUN/final) into its base language model: W' = W + (lora_alpha / r) B A for every adapted module.",
    "Writes a loadable Hugging Face model folder: model.safetensors (float32, the model's own names) and the base folder's",
    "other files (config.json, tokenizer files) copied; point model.llm.path at it."})
final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "The adapter folder (e.g. runs/lora/final).")
    Path adapter;

    @Option(names = "--base", paramLabel = "DIR", description = "The base model folder (default: the adapter's base_model_name_or_path).")
    Path base;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "The merged model folder to write (must not exist or be empty).")
    Path output;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        LoraMerge.Result r = LoraMerge.merge(adapter, base, output);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("merged %d adapted modules into %d tensors: %s (%.1f s)%n", r.modules().size(), r.tensors(), r.output(),
                (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }
}
