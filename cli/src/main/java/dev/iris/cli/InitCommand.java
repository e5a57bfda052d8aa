package dev.iris.cli;

import dev.iris.plugins.model.ModelInit;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes small (or real-shape) models with random weights in Hugging Face format. */
@Command(name = "init", description = {
    "Write model folders in Hugging Face format with seeded random weights.",
    "A model preset (e.g. tiny, fast enough for tests, or siglip-qwen2.5-0.5b, real shapes) writes vision/, llm/ and iris.yaml;",
    "a part preset of one plugin (e.g. qwen2.5-0.5b, siglip-base-patch16-224) writes that part's folder; an unknown name lists them all.",
    "Any pair instead: --vision TYPE:PRESET --llm TYPE:PRESET --fusion TYPE writes DIR/TYPE-PRESET for each part and DIR/VISION-LLM-FUSION.yaml",
    "(see `iris plugins` for the types and their presets); --set overrides a value of that config, e.g. --set model.fusion.factor=1."})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", description = "Which models to write (see the description).")
    String preset;

    @Option(names = "--vision", paramLabel = "TYPE:PRESET", description = "The vision encoder of a pair, e.g. siglip:tiny (with --llm and --fusion).")
    String vision;

    @Option(names = "--llm", paramLabel = "TYPE:PRESET", description = "The language model of a pair, e.g. qwen2:tiny.")
    String llm;

    @Option(names = "--fusion", paramLabel = "TYPE", description = "The fusion of a pair, e.g. projector or crossattn.")
    String fusion;

    @Mixin
    ConfigOverrides overrides;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write into.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        boolean pair = vision != null || llm != null || fusion != null;
        if (pair == (preset != null)) {
            throw new ParameterException(spec.commandLine(), "give either --preset NAME or all of --vision TYPE:PRESET --llm TYPE:PRESET --fusion TYPE");
        }
        if (pair) {
            if (vision == null || llm == null || fusion == null) {
                throw new ParameterException(spec.commandLine(), "a pair needs all of --vision TYPE:PRESET --llm TYPE:PRESET --fusion TYPE");
            }
            PairInit.Written w = PairInit.write(parent.registry(), PairInit.PartSpec.parse("--vision", vision), PairInit.PartSpec.parse("--llm", llm),
                    fusion, overrides.values(), out, seed);
            PrintWriter pw = spec.commandLine().getOut();
            pw.println("vision: " + w.vision());
            pw.println("llm: " + w.llm());
            pw.println("config: " + w.config());
            pw.printf("done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            pw.flush();
            return 0;
        }
        if (!overrides.values().isEmpty()) throw new ParameterException(spec.commandLine(), "--set applies to a pair (--vision/--llm/--fusion), not to --preset");
        ModelInit.Written w = ModelInit.write(parent.registry(), preset, out, seed);
        PrintWriter pw = spec.commandLine().getOut();
        w.folders().forEach((role, folder) -> pw.println(role + ": " + folder));
        if (w.config() != null) pw.println("config: " + w.config());
        pw.printf("done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return 0;
    }
}
