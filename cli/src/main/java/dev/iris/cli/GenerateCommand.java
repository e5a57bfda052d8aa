package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Answers a prompt about an image (or text alone), streaming the text as it is generated. */
@Command(name = "generate", description = {
    "Generate text about an image with the model a config describes.",
    "--json prints one object: text, prompt_ids, generated_ids, stop_reason and timings."})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--image", paramLabel = "FILE", description = "A PNG or JPEG image (leave out for a text-only prompt).")
    Path image;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The question or instruction.")
    String prompt;

    @Mixin
    JsonOutput json;

    @Override
    public Integer call() throws IOException {
        IrisConfig cfg = config.loadChecked(parent::registry);
        Optional<byte[]> bytes = image == null ? Optional.empty() : Optional.of(InputFiles.read(image));
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, parent.registry())) {
            model.prepare();   // compile and bind now, so the timings below are compute alone
            double loadS = (System.nanoTime() - t0) / 1e9;
            GenerationResult r = model.generate(bytes, image == null ? "" : image.toString(), prompt, cfg.generate(), piece -> {
                if (!json.enabled()) {
                    out.print(piece);
                    out.flush();
                }
            });
            if (json.enabled()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("text", r.text());
                m.put("prompt_ids", r.promptIds());
                m.put("generated_ids", r.generatedIds());
                m.put("stop_reason", r.stopReason());
                Map<String, Object> timings = new LinkedHashMap<>();
                timings.put("load_s", loadS);
                timings.put("image_encode_ms", r.imageEncodeMs());
                timings.put("prefill_ms", r.prefillMs());
                timings.put("prefill_tokens", r.promptIds().length);
                timings.put("decode_ms_per_token_median", r.medianDecodeMs());
                timings.put("decode_ms", r.decodeMs());
                m.put("timings", timings);
                JsonOutput.print(out, m);
            } else {
                out.println();
            }
            out.flush();
        }
        return 0;
    }
}
