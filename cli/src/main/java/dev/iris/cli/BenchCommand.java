package dev.iris.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.cli.bench.Bench;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Speed and memory figures of a preset's random-weight models, measured in one process. */
@Command(name = "bench", description = {
    "Measure load, image encoding, prefill, decode, stage-1 training, concurrency, peak memory and memory bandwidth",
    "on a preset's random-weight models (written to DIR on first use), and print a table."})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME", description = "A model preset of the installed plugins, e.g. tiny or siglip-qwen2.5-0.5b, or any pair as "
            + "VISION:PRESET+LLM:PRESET+FUSION, e.g. siglip:tiny+qwen2:tiny+crossattn (see iris plugins; default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--dir", paramLabel = "DIR", description = "Model folder (default .iris/bench/<preset>).")
    Path dir;

    @Option(names = "--tokens", defaultValue = "48", paramLabel = "N", description = "max_new_tokens of the decode runs (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--no-training", description = "Skip the training phases (they take most of the time).")
    boolean noTraining;

    @Option(names = "--json", description = "Print only one JSON object on standard output (progress goes to standard error).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // with --json, standard output carries the JSON object alone, so it can be piped into a tool
        PrintWriter progress = json ? spec.commandLine().getErr() : out;
        Path folder = dir != null ? dir : Path.of(".iris", "bench", preset);
        Bench.Options options = Bench.Options.defaults(preset, folder, tokens);
        Map<String, Object> r = Bench.run(parent.registry(), noTraining ? options.withoutTraining() : options, line -> {
            progress.println(line);
            progress.flush();
        });
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        } else {
            out.println();
            out.print(Bench.table(r));
        }
        out.flush();
        return 0;
    }
}
