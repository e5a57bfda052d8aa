package dev.iris.cli;

import dev.iris.plugins.model.ModelInit;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes small (or real-shape) models with random weights in Hugging Face format. */
@Command(name = "init", description = {
    "Write model folders in Hugging Face format with seeded random weights.",
    "A model preset (e.g. tiny, fast enough for tests, or siglip-qwen2.5-0.5b, real shapes) writes vision/, llm/ and iris.yaml;",
    "a part preset of one plugin (e.g. qwen2.5-0.5b, siglip-base-patch16-224) writes that part's folder; an unknown name lists them all."})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "Which models to write (see the description).")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write into.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        ModelInit.Written w = ModelInit.write(parent.registry(), preset, out, seed);
        PrintWriter pw = spec.commandLine().getOut();
        w.folders().forEach((role, folder) -> pw.println(role + ": " + folder));
        if (w.config() != null) pw.println("config: " + w.config());
        pw.printf("done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return 0;
    }
}
